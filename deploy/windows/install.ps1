<#
.SYNOPSIS
  Installs wincri as a Windows service serving CRI on npipe:////./pipe/wincri, and optionally points kubelet at it.

.DESCRIPTION
  NOT YET RUN ON REAL WINDOWS. Run from an unpacked, built release (dist\, node_modules\, cni\, deploy\, and
  ideally node.exe at its root) in an elevated PowerShell.

  What it does (see the ACTION lines of -DryRun for the exact plan on this node):
  - copies the release to <InstallDir>\versions\<version> (side by side) and smoke-tests it (wincri version);
  - points the junction <InstallDir>\current at it;
  - writes <DataDir>\config.yaml (endpoint npipe:////./pipe/wincri, backend windows, root <DataDir>, CNI dirs)
    unless it exists (-OverwriteConfig replaces it); <DataDir> is readable by SYSTEM and Administrators only;
  - registers service "wincri": <node.exe> --max-semi-space-size=1 --v8-pool-size=1 --no-memory-reducer current\dist\src\cli\main.js serve --config <DataDir>\config.yaml,
    start Automatic, depends on hns and vmcompute, restarts on failure (5 s, 10 s, 30 s; reset after a day,
    also for non-crash failures);
  - starts it and waits for the pipe;
  - with -ConfigureKubelet: adds --container-runtime-endpoint/--image-service-endpoint to the kubelet service's
    command line, makes kubelet depend on wincri, restarts kubelet.

  The service command line ends in --windows-service (wincri serve as an SCM service). Pass -ServiceHost with a
  wrapper that runs its arguments as a service (for example EKS-WindowsServiceHost.exe) to use that instead.

.EXAMPLE
  .\deploy\windows\install.ps1 -DryRun
  .\deploy\windows\install.ps1 -ConfigureKubelet
#>
[CmdletBinding(SupportsShouldProcess = $true)]
param(
  [string]$Source = (Resolve-Path (Join-Path $PSScriptRoot '..\..')).Path,
  [string]$InstallDir = "$env:ProgramFiles\wincri",
  [string]$DataDir = "$env:ProgramData\wincri",
  [string]$NodePath = '',
  [string]$ServiceName = 'wincri',
  [string]$ServiceHost = '',
  [string]$Endpoint = 'npipe:////./pipe/wincri',
  [string]$CniConfDir = '',
  [string[]]$CniBinDirs = @(),
  [switch]$OverwriteConfig,
  [switch]$NoStart,
  [switch]$ConfigureKubelet,
  [string]$KubeletServiceName = 'kubelet',
  [int]$TimeoutSeconds = 60,
  [switch]$DryRun
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot 'WincriDeploy.psm1') -Force

$node = Resolve-WincriNode -NodePath $NodePath -ReleaseDir $Source
$facts = Get-WincriFacts -ServiceNames @($ServiceName, $KubeletServiceName) -InstallDir $InstallDir -DataDir $DataDir -ReleaseDir $Source
$params = @{
  source = $Source; installDir = $InstallDir; dataDir = $DataDir; nodePath = $NodePath; serviceName = $ServiceName
  serviceHost = $ServiceHost; endpoint = $Endpoint; cniConfDir = $CniConfDir; cniBinDirs = @($CniBinDirs)
  overwriteConfig = [bool]$OverwriteConfig; start = -not $NoStart; configureKubelet = [bool]$ConfigureKubelet
  kubeletServiceName = $KubeletServiceName; timeoutSeconds = $TimeoutSeconds
}
$plan = Invoke-WincriPlanner -Node $node -ReleaseDir $Source -Operation 'install' -Params $params -Facts $facts
Invoke-WincriPlan -Plan $plan -DryRun:($DryRun -or $WhatIfPreference)
