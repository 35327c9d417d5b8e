/** Job-container (HostProcess) document builders: pure functions from the ContainerSpec to ../schema documents. */
export {
  buildJobContainerDocument, mountPointOf, SILO_MOUNT_POINT, ROOTFS_LOCATION_ANNOTATION, JOB_NAME_PREFIX,
  type JobDocumentOptions,
} from './job.js';
export { jobUser, DEFAULT_JOB_USER, BUILTIN_LOCAL_GROUPS, USER_NAME_CHAR_LIMIT } from './user.js';
export { jobLimits } from './limits.js';
export { limitsOfRequest, mergeLimits, JOB_MODIFY_OP } from './modify.js';
export { expandMountPoint, jobProcessParameters, SANDBOX_MOUNT_POINT_VAR } from './expand.js';
