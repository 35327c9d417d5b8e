<#
.SYNOPSIS
  Joins an EKS-optimized Windows AMI node to its cluster with wincri as the container runtime instead of
  containerd. Call it from the node's user data in place of Start-EKSBootstrap.ps1 (same parameters).

.DESCRIPTION
  NOT YET RUN ON REAL WINDOWS OR EKS. Paths and parameters of the AWS script are from AWS's documentation and
  ports of its script (shared/reference/eks.md); verify them on your AMI version with -DryRun first.

  Needs wincri installed on the AMI (deploy/eks/imagebuilder-component.yaml, or install.ps1 -NoStart).

  Before the bootstrap:
  - writes <DataDir>\config.yaml: endpoint npipe:////./pipe/wincri, backend windows, and CNI from the AMI:
    cni.confDir C:\ProgramData\Amazon\EKS\cni\config (the bootstrap writes vpc-bridge.conf there; wincri picks
    it up when it appears), cni.binDirs C:\Program Files\Amazon\EKS\cni (vpc-bridge.exe). Pods therefore attach
    to the L2Bridge HNS network vpcbr<mac> that the bootstrap pre-creates, as they would under containerd;
  - registers/starts the wincri service and waits for its pipe;
  - imports every <SeedDir>\*.tar (pause and base images) so the first pods need no pull.
  The bootstrap: Start-EKSBootstrap.ps1 with your parameters; -KubeletExtraArgs gets
  --container-runtime-endpoint=npipe:////./pipe/wincri --image-service-endpoint=npipe:////./pipe/wincri appended
  (kubelet keeps the last value of a repeated flag, so they override the script's containerd pipe).
  -ContainerRuntime, where your AMI's script has it, selects between AWS's runtimes and is not needed; pass
  it through -BootstrapParams @{ ContainerRuntime = 'containerd' } only if your script insists.
  After: kubelet depends on wincri; with -DisableContainerd containerd is stopped and disabled (and kubelet no
  longer depends on it).

.EXAMPLE
  & 'C:\Program Files\wincri\current\deploy\eks\Start-WincriEKSBootstrap.ps1' -EKSClusterName my-cluster -DryRun
#>
[CmdletBinding(SupportsShouldProcess = $true)]
param(
  [Parameter(Mandatory = $true)][string]$EKSClusterName,
  [string]$APIServerEndpoint = '',
  [string]$Base64ClusterCA = '',
  [string]$DNSClusterIP = '',
  [string]$ServiceCIDR = '',
  [string]$ExcludedSnatCIDRs = '',
  [string]$KubeletExtraArgs = '',
  [string]$KubeProxyExtraArgs = '',
  [hashtable]$BootstrapParams = @{},
  [string]$BootstrapScript = "$env:ProgramFiles\Amazon\EKS\Start-EKSBootstrap.ps1",
  [string]$CniConfDir = "$env:ProgramData\Amazon\EKS\cni\config",
  [string]$CniBinDir = "$env:ProgramFiles\Amazon\EKS\cni",
  [string]$InstallDir = "$env:ProgramFiles\wincri",
  [string]$DataDir = "$env:ProgramData\wincri",
  [string]$SeedDir = "$env:ProgramData\wincri\seed",
  [string]$NodePath = '',
  [string]$ServiceName = 'wincri',
  [string]$ServiceHost = '',
  [string]$Endpoint = 'npipe:////./pipe/wincri',
  [switch]$DisableContainerd,
  [int]$TimeoutSeconds = 120,
  [switch]$DryRun
)
$ErrorActionPreference = 'Stop'
$release = Join-Path $InstallDir 'current'
if (-not (Test-Path -LiteralPath (Join-Path $release 'dist\deploy\plan\main.js'))) { $release = (Resolve-Path (Join-Path $PSScriptRoot '..\..')).Path }
Import-Module (Join-Path $release 'deploy\windows\WincriDeploy.psm1') -Force

$node = Resolve-WincriNode -NodePath $NodePath -ReleaseDir $release
$facts = Get-WincriFacts -ServiceNames @($ServiceName, 'kubelet', 'containerd') -InstallDir $InstallDir -DataDir $DataDir -ReleaseDir $release -SeedDir $SeedDir
$params = @{
  clusterName = $EKSClusterName; apiServerEndpoint = $APIServerEndpoint; base64ClusterCA = $Base64ClusterCA
  dnsClusterIP = $DNSClusterIP; serviceCIDR = $ServiceCIDR; excludedSnatCIDRs = $ExcludedSnatCIDRs
  kubeletExtraArgs = $KubeletExtraArgs; kubeProxyExtraArgs = $KubeProxyExtraArgs; bootstrapParams = $BootstrapParams
  bootstrapScript = $BootstrapScript; cniConfDir = $CniConfDir; cniBinDir = $CniBinDir; installDir = $InstallDir
  dataDir = $DataDir; nodePath = $NodePath; serviceName = $ServiceName; serviceHost = $ServiceHost
  endpoint = $Endpoint; disableContainerd = [bool]$DisableContainerd; timeoutSeconds = $TimeoutSeconds
}
$plan = Invoke-WincriPlanner -Node $node -ReleaseDir $release -Operation 'eks' -Params $params -Facts $facts
Invoke-WincriPlan -Plan $plan -DryRun:($DryRun -or $WhatIfPreference)
