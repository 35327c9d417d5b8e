<#
.SYNOPSIS
  Stops and removes the wincri Windows service. Containers keep running in HCS (they are created with
  ShouldTerminateOnLastHandleClosed=false); pass -RemoveData to also delete <DataDir> (state, logs, layers) —
  only after the node has been drained.

.DESCRIPTION
  NOT YET RUN ON REAL WINDOWS. With -RestoreKubelet the --container-runtime-endpoint / --image-service-endpoint
  flags added by install.ps1 are removed from the kubelet service again.
#>
[CmdletBinding()]
param(
  [string]$ServiceName = 'wincri',
  [string]$DataDir = "$env:ProgramData\wincri",
  [switch]$RemoveData,
  [switch]$RestoreKubelet,
  [string]$KubeletServiceName = 'kubelet'
)
$ErrorActionPreference = 'Stop'

if ($RestoreKubelet) {
  $key = "HKLM:\SYSTEM\CurrentControlSet\Services\$KubeletServiceName"
  if (Test-Path $key) {
    $image = (Get-ItemProperty $key).ImagePath
    $image = $image -replace '\s--container-runtime-endpoint(=|\s+)\S+', '' -replace '\s--image-service-endpoint(=|\s+)\S+', ''
    Set-ItemProperty $key -Name ImagePath -Value $image
    & sc.exe config $KubeletServiceName depend= / | Out-Null
  }
}

$svc = Get-Service $ServiceName -ErrorAction SilentlyContinue
if ($svc) {
  if ($svc.Status -ne 'Stopped') { Stop-Service $ServiceName -Force }
  & sc.exe delete $ServiceName | Out-Null
  Write-Host "service $ServiceName removed"
} else {
  Write-Host "service $ServiceName not installed"
}

if ($RemoveData -and (Test-Path $DataDir)) {
  Remove-Item -Recurse -Force $DataDir
  Write-Host "removed $DataDir"
}
