<#
.SYNOPSIS
  Upgrades an installed wincri to the release this script comes from, without stopping containers.

.DESCRIPTION
  NOT YET RUN ON REAL WINDOWS. Run from the new unpacked, built release in an elevated PowerShell.

  1. Copies the release to <InstallDir>\versions\<version> next to the running one and smoke-tests it.
  2. Stops the wincri service (and, first, its running dependents such as kubelet: SCM refuses to stop a
     service whose dependents run), flips the junction <InstallDir>\current to the new release, starts the
     service, waits for the pipe, starts the dependents again.
  3. If the new daemon does not come up, flips back to the previous release and starts that (rollback).
  4. Removes older releases, keeping the previous one (for a manual rollback: re-run that release's
     upgrade.ps1 with -Force) and the one the IO keeper runs from.

  Why containers keep running: a container is an HCS compute system created with
  ShouldTerminateOnLastHandleClosed=false, owned by vmcompute, not by the daemon process. Container stdio and
  the CRI log files belong to the IO keeper (wincri io-keeper), a separate process the daemon starts detached
  and never stops. Only the daemon process restarts; on start it reconciles its records with HCS and the keeper
  (running containers stay running, exits that happened meanwhile are applied). The e2e restart tests
  (test/e2e/recovery.test.ts) prove this on the emulator. kubelet, stopped for a few seconds, does not stop pods
  either. Nothing here stops vmcompute, hns, the IO keeper or a container.

.EXAMPLE
  .\deploy\windows\upgrade.ps1 -DryRun
  .\deploy\windows\upgrade.ps1
#>
[CmdletBinding(SupportsShouldProcess = $true)]
param(
  [string]$Source = (Resolve-Path (Join-Path $PSScriptRoot '..\..')).Path,
  [string]$InstallDir = "$env:ProgramFiles\wincri",
  [string]$DataDir = "$env:ProgramData\wincri",
  [string]$NodePath = '',
  [string]$ServiceName = 'wincri',
  [string]$Endpoint = 'npipe:////./pipe/wincri',
  [int]$Keep = 1,
  [int]$TimeoutSeconds = 60,
  [switch]$Force,
  [switch]$DryRun
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot 'WincriDeploy.psm1') -Force

$node = Resolve-WincriNode -NodePath $NodePath -ReleaseDir $Source
$facts = Get-WincriFacts -ServiceNames @($ServiceName) -InstallDir $InstallDir -DataDir $DataDir -ReleaseDir $Source
$params = @{
  source = $Source; installDir = $InstallDir; dataDir = $DataDir; nodePath = $NodePath; serviceName = $ServiceName
  endpoint = $Endpoint; keep = $Keep; timeoutSeconds = $TimeoutSeconds; force = [bool]$Force
}
$plan = Invoke-WincriPlanner -Node $node -ReleaseDir $Source -Operation 'upgrade' -Params $params -Facts $facts
Invoke-WincriPlan -Plan $plan -DryRun:($DryRun -or $WhatIfPreference)
