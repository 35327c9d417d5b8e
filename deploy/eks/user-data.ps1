<powershell>
# EC2 user data for a node of a self-managed (or custom-AMI managed) Windows node group whose AMI has wincri
# baked in (deploy/eks/imagebuilder-component.yaml). It replaces the usual call of Start-EKSBootstrap.ps1 and
# takes the same parameters. Replace the <...> values (or let your launch template fill them in).
$ErrorActionPreference = 'Stop'
$join = @{
  EKSClusterName    = '<cluster-name>'
  APIServerEndpoint = '<https://api-server-endpoint>'
  Base64ClusterCA   = '<base64-cluster-ca>'
  DNSClusterIP      = '<10.100.0.10>'
  KubeletExtraArgs  = '--node-labels=wincri.io/runtime=wincri'
}
& "$env:ProgramFiles\wincri\current\deploy\eks\Start-WincriEKSBootstrap.ps1" @join 3>&1 4>&1 5>&1 6>&1
</powershell>
