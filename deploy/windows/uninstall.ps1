<#
.SYNOPSIS
  Stops and removes the wincri Windows service. Containers keep running in HCS.

.DESCRIPTION
  NOT YET RUN ON REAL WINDOWS. -RestoreKubelet removes the endpoint flags install.ps1 added to kubelet's
  command line and kubelet's dependency on wincri, and starts kubelet again (on its previous runtime).
  -RemoveData deletes <DataDir> (state, images, logs) and -RemoveBinaries <InstallDir>: only on a drained node
  after a reboot (the IO keeper holds container stdio and its release's files while it runs; the planner refuses
  while it runs).

.EXAMPLE
  .\deploy\windows\uninstall.ps1 -RestoreKubelet -DryRun
#>
[CmdletBinding(SupportsShouldProcess = $true)]
param(
  [string]$InstallDir = "$env:ProgramFiles\wincri",
  [string]$DataDir = "$env:ProgramData\wincri",
  [string]$NodePath = '',
  [string]$ServiceName = 'wincri',
  [switch]$RestoreKubelet,
  [string]$KubeletServiceName = 'kubelet',
  [switch]$RemoveData,
  [switch]$RemoveBinaries,
  [int]$TimeoutSeconds = 60,
  [switch]$DryRun
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot 'WincriDeploy.psm1') -Force

# The planner of the installed release (this script may be that release's own copy).
$release = Join-Path $InstallDir 'current'
if (-not (Test-Path -LiteralPath (Join-Path $release 'dist\deploy\plan\main.js'))) { $release = (Resolve-Path (Join-Path $PSScriptRoot '..\..')).Path }
$node = Resolve-WincriNode -NodePath $NodePath -ReleaseDir $release
$facts = Get-WincriFacts -ServiceNames @($ServiceName, $KubeletServiceName) -InstallDir $InstallDir -DataDir $DataDir -ReleaseDir $release
$params = @{
  installDir = $InstallDir; dataDir = $DataDir; serviceName = $ServiceName; restoreKubelet = [bool]$RestoreKubelet
  kubeletServiceName = $KubeletServiceName; removeData = [bool]$RemoveData; removeBinaries = [bool]$RemoveBinaries
  timeoutSeconds = $TimeoutSeconds
}
$plan = Invoke-WincriPlanner -Node $node -ReleaseDir $release -Operation 'uninstall' -Params $params -Facts $facts
Invoke-WincriPlan -Plan $plan -DryRun:($DryRun -or $WhatIfPreference)
