<#
.SYNOPSIS
  Shared machinery of wincri's node scripts (install, upgrade, uninstall, EKS): observe the node, ask the
  planner what to do, do it (or, in dry-run mode, only print it).

.DESCRIPTION
  NOT YET RUN ON REAL WINDOWS. Written for Windows PowerShell 5.1 and PowerShell 7.

  The decisions live in one place, the TypeScript planner shipped in the release
  (dist\deploy\plan\main.js, source deploy/plan/*.ts, tested on Linux): from the script's parameters and the
  facts observed here it returns the ordered list of actions, each with its one-line "ACTION kind k=v ..."
  form. This module only
    - gathers facts (read-only: services, registry ImagePath, the junction, staged releases, the IO keeper),
    - runs the planner with the release's node.exe,
    - performs each action with exactly one handler per action kind (Invoke-WincriAction).
  With -DryRun (or -WhatIf) each ACTION line is printed and nothing is changed.
#>

Set-StrictMode -Version 2.0

function Get-WincriFacts {
  [CmdletBinding()]
  param(
    [string[]]$ServiceNames,
    [string]$InstallDir,
    [string]$DataDir,
    [string]$ReleaseDir,
    [string]$SeedDir = ''
  )
  $services = @{}
  foreach ($name in $ServiceNames) {
    $svc = Get-Service -Name $name -ErrorAction SilentlyContinue
    if ($null -eq $svc) {
      $services[$name] = @{ exists = $false }
      continue
    }
    $key = "HKLM:\SYSTEM\CurrentControlSet\Services\$name"
    $image = (Get-ItemProperty -LiteralPath $key -Name ImagePath -ErrorAction SilentlyContinue).ImagePath
    $dependents = @($svc.DependentServices | Where-Object { $_.Status -ne 'Stopped' } | ForEach-Object { $_.Name })
    $services[$name] = @{ exists = $true; status = [string]$svc.Status; imagePath = [string]$image; dependents = $dependents }
  }

  $target = ''
  $current = Get-Item -LiteralPath (Join-Path $InstallDir 'current') -ErrorAction SilentlyContinue
  if ($null -ne $current -and $current.LinkType) { $target = [string]@($current.Target)[0] }

  $versions = @()
  $versionsDir = Join-Path $InstallDir 'versions'
  if (Test-Path -LiteralPath $versionsDir) {
    $versions = @(Get-ChildItem -LiteralPath $versionsDir -Directory | Where-Object { $_.Name -notlike '*.partial' } | ForEach-Object { $_.Name })
  }

  # The IO keeper runs from the release that started it; the planner never removes that release.
  $keeper = ''
  $pidFile = Join-Path $DataDir 'io\keeper.pid'
  if (Test-Path -LiteralPath $pidFile) {
    $keeperPid = 0
    if ([int]::TryParse((Get-Content -LiteralPath $pidFile -Raw).Trim(), [ref]$keeperPid)) {
      $proc = Get-CimInstance -ClassName Win32_Process -Filter "ProcessId=$keeperPid" -ErrorAction SilentlyContinue
      if ($null -ne $proc -and $proc.CommandLine -match 'io-keeper') { $keeper = [string]$proc.CommandLine }
    }
  }

  $seeds = @()
  if ($SeedDir -and (Test-Path -LiteralPath $SeedDir)) {
    $seeds = @(Get-ChildItem -LiteralPath $SeedDir -Filter '*.tar' -File | Sort-Object Name | ForEach-Object { $_.FullName })
  }

  return @{
    services          = $services
    configExists      = (Test-Path -LiteralPath (Join-Path $DataDir 'config.yaml'))
    currentTarget     = $target
    versions          = $versions
    sourceHasNode     = [bool]($ReleaseDir -and (Test-Path -LiteralPath (Join-Path $ReleaseDir 'node.exe')))
    keeperCommandLine = $keeper
    seedImages        = $seeds
  }
}

function Resolve-WincriNode {
  param([string]$NodePath, [string]$ReleaseDir)
  if ($NodePath) { return $NodePath }
  $bundled = Join-Path $ReleaseDir 'node.exe'
  if (Test-Path -LiteralPath $bundled) { return $bundled }
  $onPath = Get-Command -Name 'node.exe' -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
  if ($null -ne $onPath) { return $onPath.Source }
  throw "node.exe not found: put it next to the release ($bundled) or pass -NodePath"
}

function Invoke-WincriPlanner {
  [CmdletBinding()]
  param(
    [string]$Node,
    [string]$ReleaseDir,
    [string]$Operation,
    [hashtable]$Params,
    [hashtable]$Facts
  )
  $planner = Join-Path $ReleaseDir 'dist\deploy\plan\main.js'
  if (-not (Test-Path -LiteralPath $planner)) { throw "$planner not found: use a built release (npm ci; npm run build)" }
  $inFile = [IO.Path]::GetTempFileName()
  $outFile = [IO.Path]::GetTempFileName()
  try {
    $json = @{ params = $Params; facts = $Facts } | ConvertTo-Json -Depth 8
    [IO.File]::WriteAllText($inFile, $json, (New-Object Text.UTF8Encoding $false))
    # Native stderr must not turn into a terminating error under 'Stop' (Windows PowerShell 5.1).
    $saved = $ErrorActionPreference
    $ErrorActionPreference = 'Continue'
    $message = & $Node $planner $Operation --input $inFile --out $outFile 2>&1 | Out-String
    $code = $LASTEXITCODE
    $ErrorActionPreference = $saved
    if ($code -ne 0) { throw "planner: $($message.Trim())" }
    return ([IO.File]::ReadAllText($outFile, [Text.Encoding]::UTF8) | ConvertFrom-Json)
  } finally {
    Remove-Item -LiteralPath $inFile, $outFile -Force -ErrorAction SilentlyContinue
  }
}

function Invoke-WincriPlan {
  [CmdletBinding()]
  param($Plan, [switch]$DryRun)
  $actions = @($Plan.actions)
  $rollback = @($Plan.rollback | Where-Object { $null -ne $_ })
  for ($i = 0; $i -lt $actions.Count; $i++) {
    Write-Host @($Plan.display)[$i]
    if ($DryRun) { continue }
    try {
      Invoke-WincriAction -Action $actions[$i]
    } catch {
      if ($rollback.Count -gt 0 -and $i -ge $Plan.rollbackFrom) {
        Write-Warning "failed: $($_.Exception.Message); rolling back"
        for ($j = 0; $j -lt $rollback.Count; $j++) {
          Write-Host @($Plan.rollbackDisplay)[$j]
          try { Invoke-WincriAction -Action $rollback[$j] } catch { Write-Warning "rollback step failed: $($_.Exception.Message)" }
        }
      }
      throw
    }
  }
  if ($DryRun -and $rollback.Count -gt 0) {
    Write-Host "ROLLBACK from=$($Plan.rollbackFrom)"
    foreach ($line in @($Plan.rollbackDisplay)) { Write-Host $line }
  }
}

function Invoke-Native {
  param([string]$File, [string[]]$Arguments, [string]$What)
  $saved = $ErrorActionPreference
  $ErrorActionPreference = 'Continue'
  $output = & $File @Arguments 2>&1 | Out-String
  $code = $LASTEXITCODE
  $ErrorActionPreference = $saved
  if ($code -ne 0) { throw "$What failed (exit code $code): $($output.Trim())" }
  return $output
}

function Remove-WincriJunction {
  param([string]$Path)
  $item = Get-Item -LiteralPath $Path -ErrorAction SilentlyContinue
  if ($null -eq $item) { return }
  if (-not ($item.Attributes -band [IO.FileAttributes]::ReparsePoint)) { throw "$Path is a real directory, not a junction: move it away first" }
  # Deletes the link only, never what it points at.
  [IO.Directory]::Delete($Path, $false)
}

function Invoke-WincriAction {
  [CmdletBinding()]
  param($Action)
  $a = $Action
  switch ($a.kind) {
    'note' {
      Write-Host "  note: $($a.message)"
    }
    'check.admin' {
      $principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
      if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) { throw 'run from an elevated PowerShell (Administrator)' }
    }
    'check.service' {
      if ($null -eq (Get-Service -Name $a.name -ErrorAction SilentlyContinue)) { throw "service $($a.name) is missing: $($a.hint)" }
    }
    'check.path' {
      if (-not (Test-Path -LiteralPath $a.path)) { throw "$($a.path) not found: $($a.hint)" }
    }
    'dir.create' {
      New-Item -ItemType Directory -Force -Path $a.path | Out-Null
      if ($a.acl -eq 'system-admins') {
        # SYSTEM (S-1-5-18) and Administrators (S-1-5-32-544) only, by SID so localized names do not matter.
        Invoke-Native -File 'icacls.exe' -Arguments @($a.path, '/inheritance:r', '/grant:r', '*S-1-5-18:(OI)(CI)F', '*S-1-5-32-544:(OI)(CI)F') -What 'icacls' | Out-Null
      }
    }
    'dir.copy' {
      # Copy to <to>.partial and rename, so a half-copied release is never taken for a staged one.
      $partial = "$($a.to).partial"
      if (Test-Path -LiteralPath $partial) { Remove-Item -LiteralPath $partial -Recurse -Force }
      $saved = $ErrorActionPreference
      $ErrorActionPreference = 'Continue'
      & robocopy.exe $a.from $partial /E /NFL /NDL /NJH /NJS /NP | Out-Null
      $code = $LASTEXITCODE
      $ErrorActionPreference = $saved
      if ($code -ge 8) { throw "copying $($a.from) to $partial failed (robocopy exit code $code)" }
      Rename-Item -LiteralPath $partial -NewName (Split-Path -Leaf $a.to)
    }
    'dir.remove' {
      $item = Get-Item -LiteralPath $a.path -ErrorAction SilentlyContinue
      if ($null -ne $item) {
        if ($item.Attributes -band [IO.FileAttributes]::ReparsePoint) { Remove-WincriJunction -Path $a.path }
        else { Remove-Item -LiteralPath $a.path -Recurse -Force }
      }
    }
    'file.write' {
      $tmp = "$($a.path).tmp"
      [IO.File]::WriteAllText($tmp, $a.content, (New-Object Text.UTF8Encoding $false))
      if (Test-Path -LiteralPath $a.path) { [IO.File]::Replace($tmp, $a.path, $null) } else { [IO.File]::Move($tmp, $a.path) }
    }
    'link.set' {
      $next = "$($a.path).next"
      Remove-WincriJunction -Path $next
      New-Item -ItemType Junction -Path $next -Target $a.target | Out-Null
      Remove-WincriJunction -Path $a.path
      Rename-Item -LiteralPath $next -NewName (Split-Path -Leaf $a.path)
    }
    'exec' {
      Invoke-Native -File $a.file -Arguments @($a.args) -What $a.why | Write-Host
    }
    'service.create' {
      $startup = if ($a.start -eq 'auto') { 'Automatic' } else { 'Manual' }
      New-Service -Name $a.name -BinaryPathName $a.binPath -DisplayName $a.displayName -Description $a.description -StartupType $startup | Out-Null
    }
    'service.binpath' {
      # SCM reads ImagePath when it starts the service; sc.exe config binPath= mangles embedded quotes in 5.1.
      Set-ItemProperty -LiteralPath "HKLM:\SYSTEM\CurrentControlSet\Services\$($a.name)" -Name ImagePath -Value $a.binPath
    }
    'service.depend' {
      $list = if (@($a.depend).Count -gt 0) { @($a.depend) -join '/' } else { '/' }
      Invoke-Native -File 'sc.exe' -Arguments @('config', $a.name, 'depend=', $list) -What "sc.exe config $($a.name) depend=" | Out-Null
    }
    'service.depend.edit' {
      $svc = Get-Service -Name $a.name -ErrorAction Stop
      $now = @($svc.ServicesDependedOn | ForEach-Object { $_.Name })
      $keep = @($now | Where-Object { @($a.remove) -notcontains $_ })
      $want = @($keep + @($a.add | Where-Object { $keep -notcontains $_ }))
      $list = if ($want.Count -gt 0) { $want -join '/' } else { '/' }
      Invoke-Native -File 'sc.exe' -Arguments @('config', $a.name, 'depend=', $list) -What "sc.exe config $($a.name) depend=" | Out-Null
    }
    'service.failure' {
      Invoke-Native -File 'sc.exe' -Arguments @('failure', $a.name, 'reset=', [string]$a.resetSeconds, 'actions=', $a.actions) -What "sc.exe failure $($a.name)" | Out-Null
      if ($a.nonCrashFailures) {
        Invoke-Native -File 'sc.exe' -Arguments @('failureflag', $a.name, '1') -What "sc.exe failureflag $($a.name)" | Out-Null
      }
    }
    'service.startup' {
      $startup = 'Disabled'
      if ($a.start -eq 'auto') { $startup = 'Automatic' }
      if ($a.start -eq 'demand') { $startup = 'Manual' }
      Set-Service -Name $a.name -StartupType $startup
    }
    'service.start' {
      Start-Service -Name $a.name
    }
    'service.stop' {
      # Without -Force: dependents were stopped by earlier actions; a surprise dependent fails loudly here.
      $svc = Get-Service -Name $a.name -ErrorAction SilentlyContinue
      if ($null -ne $svc -and $svc.Status -ne 'Stopped') { Stop-Service -Name $a.name }
    }
    'service.restart' {
      Restart-Service -Name $a.name
    }
    'service.delete' {
      Invoke-Native -File 'sc.exe' -Arguments @('delete', $a.name) -What "sc.exe delete $($a.name)" | Out-Null
    }
    'service.wait' {
      $svc = Get-Service -Name $a.name -ErrorAction Stop
      $svc.WaitForStatus([System.ServiceProcess.ServiceControllerStatus]$a.status, [TimeSpan]::FromSeconds($a.timeoutSeconds))
    }
    'pipe.wait' {
      $deadline = (Get-Date).AddSeconds($a.timeoutSeconds)
      $path = "\\.\pipe\$($a.pipe)"
      while (-not ([IO.Directory]::GetFiles('\\.\pipe\') -contains $path)) {
        if ((Get-Date) -gt $deadline) { throw "$path did not appear within $($a.timeoutSeconds) s: see the service's log under the data directory" }
        Start-Sleep -Milliseconds 500
      }
    }
    'registry.set' {
      Set-ItemProperty -LiteralPath $a.key -Name $a.name -Value $a.value
    }
    'eventlog.source' {
      if (-not [System.Diagnostics.EventLog]::SourceExists($a.source)) { New-EventLog -LogName $a.log -Source $a.source }
    }
    'eventlog.source.remove' {
      if ([System.Diagnostics.EventLog]::SourceExists($a.source)) { Remove-EventLog -Source $a.source }
    }
    'script.run' {
      $splat = @{}
      foreach ($p in $a.params.PSObject.Properties) { $splat[$p.Name] = [string]$p.Value }
      & $a.path @splat
    }
    default {
      throw "unknown action kind '$($a.kind)': this script is older than the planner"
    }
  }
}

Export-ModuleMember -Function @('Get-WincriFacts', 'Resolve-WincriNode', 'Invoke-WincriPlanner', 'Invoke-WincriPlan', 'Invoke-WincriAction')
