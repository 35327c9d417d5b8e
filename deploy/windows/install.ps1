<#
.SYNOPSIS
  Installs wincri as a Windows service (LocalSystem) serving CRI on \\.\pipe\wincri, and optionally points an
  installed kubelet service at it.

.DESCRIPTION
  NOT YET RUN ON REAL WINDOWS. Written from Microsoft's documentation of New-Service / sc.exe and the kubelet
  flags; review before use.

  - Copies nothing: run it from an unpacked wincri release (dist/, node_modules/, package.json) or pass -InstallDir.
  - Writes the default configuration (`wincri config default`) to <DataDir>\wincri.yaml unless one exists.
  - Registers service "wincri": node.exe <InstallDir>\dist\src\cli\main.js serve --config <DataDir>\wincri.yaml,
    start type Automatic, restart on failure (sc.exe failure), depends on vmcompute (HCS) and hns (HNS).
  - With -ConfigureKubelet, adds --container-runtime-endpoint / --image-service-endpoint to the kubelet service's
    command line (service "kubelet", as installed by sig-windows-tools / kubeadm for Windows).

.EXAMPLE
  .\install.ps1 -InstallDir C:\Program Files\wincri -ConfigureKubelet
#>
[CmdletBinding()]
param(
  [string]$InstallDir = (Resolve-Path "$PSScriptRoot\..\..").Path,
  [string]$DataDir = "$env:ProgramData\wincri",
  [string]$NodeExe = (Get-Command node.exe -ErrorAction SilentlyContinue).Source,
  [string]$ServiceName = 'wincri',
  [string]$PipeEndpoint = 'npipe:////./pipe/wincri',
  [switch]$ConfigureKubelet,
  [string]$KubeletServiceName = 'kubelet'
)
$ErrorActionPreference = 'Stop'

$principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) { throw 'run from an elevated PowerShell (Administrator)' }
if (-not $NodeExe -or -not (Test-Path $NodeExe)) { throw 'node.exe (Node.js >= 20) not found; pass -NodeExe' }
$main = Join-Path $InstallDir 'dist\src\cli\main.js'
if (-not (Test-Path $main)) { throw "$main not found; build wincri (npm ci; npm run build) or pass -InstallDir" }
foreach ($svc in 'vmcompute', 'hns') {
  if (-not (Get-Service $svc -ErrorAction SilentlyContinue)) { throw "service $svc missing: enable the Containers feature (Install-WindowsFeature Containers) and reboot" }
}

New-Item -ItemType Directory -Force -Path $DataDir | Out-Null
# Only SYSTEM and Administrators may read or change wincri's state and configuration.
& icacls.exe $DataDir /inheritance:r /grant:r 'SYSTEM:(OI)(CI)F' 'Administrators:(OI)(CI)F' | Out-Null
$config = Join-Path $DataDir 'wincri.yaml'
if (-not (Test-Path $config)) {
  & $NodeExe $main config default | Set-Content -Encoding UTF8 $config
  Write-Host "wrote default configuration $config (backend: windows, endpoint: $PipeEndpoint)"
}

if (Get-Service $ServiceName -ErrorAction SilentlyContinue) { throw "service $ServiceName exists; run uninstall.ps1 first" }
$binPath = "`"$NodeExe`" `"$main`" serve --config `"$config`""
New-Service -Name $ServiceName -BinaryPathName $binPath -DisplayName 'wincri CRI runtime' `
  -Description 'Kubernetes CRI runtime (HCS/HNS) serving kubelet on a named pipe' -StartupType Automatic | Out-Null
& sc.exe config $ServiceName depend= vmcompute/hns | Out-Null
& sc.exe failure $ServiceName reset= 86400 actions= restart/5000/restart/5000/restart/30000 | Out-Null
Start-Service $ServiceName
Write-Host "service $ServiceName started; CRI endpoint $PipeEndpoint"

if ($ConfigureKubelet) {
  $key = "HKLM:\SYSTEM\CurrentControlSet\Services\$KubeletServiceName"
  if (-not (Test-Path $key)) { throw "kubelet service $KubeletServiceName not found" }
  $image = (Get-ItemProperty $key).ImagePath
  $image = $image -replace '\s--container-runtime-endpoint(=|\s+)\S+', '' -replace '\s--image-service-endpoint(=|\s+)\S+', ''
  $image = "$image --container-runtime-endpoint=$PipeEndpoint --image-service-endpoint=$PipeEndpoint"
  Set-ItemProperty $key -Name ImagePath -Value $image
  & sc.exe config $KubeletServiceName depend= $ServiceName | Out-Null
  Restart-Service $KubeletServiceName
  Write-Host "kubelet now uses $PipeEndpoint"
}
