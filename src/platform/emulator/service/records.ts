/** Persisted records of the compute emulator: one per compute system, with its processes. */
import type { SystemCgroup } from './cgroups.js';
import type { ComputeSystemDoc, StateDoc, ExitTypeDoc } from '../../hcs/schema/index.js';
import type { JobContainerDoc } from '../../jobs/schema.js';

/** What makes a system a job container (HostProcess): see jobs.ts. */
export interface JobPart {
  document: JobContainerDoc;
  /** The emulated host drives (`<dir>/c/...` is C:\ outside the mount point). */
  hostDrives: string;
  /** The job's cgroup where cgroups are writable (job-limits.ts). */
  cgroup?: SystemCgroup;
}

export interface ProcRecord {
  pid: number;
  startTicks: number;
  commandLine: string;
  exited: boolean;
  exitCode?: number;
  lastWaitResult?: number;
  streams: { stdin: boolean; stdout: boolean; stderr: boolean };
  /** The nsenter that entered an isolated system's namespaces and waits for the program (isolation.ts). */
  wrapper?: { pid: number; startTicks: number };
  /** Where the namespace helper writes the program's exit status (exit-status.ts): read after a re-adoption. */
  statusFile?: string;
  /** The FIFOs of its output streams (stdio-fifo.ts), read on by a restarted service, and its spooled stdin's doorbell. */
  fifos?: { stdout?: string; stderr?: string; stdin?: string };
  /** The namespace helper spools the output to files and the FIFOs are its doorbells (spool-relay.ts). */
  spooled?: boolean;
}

export interface SystemRecord {
  id: string;
  document: ComputeSystemDoc;
  state: StateDoc;
  exitType?: ExitTypeDoc;
  root?: string;
  hostName?: string;
  holder?: { pid: number; startTicks: number };
  /** Set when the system is isolated (isolation.ts): `holder` keeps its namespaces. */
  isolation?: {
    /** Mount points created in the writable layer (removed at stop). */
    created: string[];
    /** The system's /dev directory (dev-skeleton.ts); absent when /dev is a tmpfs (dev-tmpfs.ts, older services). */
    devDir?: string;
    cgroup?: SystemCgroup;
    /** The holder joined the hosting system's (utility VM's) PID and UTS namespaces. */
    sharedHolder?: boolean;
  };
  /** A hosted system's document fields that named VSMB guest paths, as sent (`document` holds the host folders). */
  vsmb?: Record<string, string>;
  /** A hosted system's Storage.Path as sent when it named a SCSI guest mount (`document` holds the host folder). */
  scsiStorage?: string;
  /** A utility VM's SCSI disks mounted in its guest (vm-scsi.ts): guest path → controller and LUN. */
  scsiMounts?: { path: string; controller: string; lun: number }[];
  /** A utility VM's guest-combined container roots (vm-combine.ts): the SCSI mount and the VSMB layer paths as sent. */
  combinedLayers?: { root: string; layers: string[] }[];
  /** OOM kills seen in the system's cgroup (kept after the cgroup is gone). */
  oomKills?: number;
  createdAt: string;
  startedAt?: string;
  shuttingDown?: boolean;
  processes: ProcRecord[];
  /** Set for job containers; their `document` is then only the HCS-shaped envelope (Owner, no Container). */
  job?: JobPart;
  /** Accounting of CPU / IO per pid ever seen, so statistics stay monotonic after processes exit. */
  acct?: Record<string, { u: number; k: number; rOps: number; wOps: number; rB: number; wB: number }>;
  peakCommit?: number;
}

