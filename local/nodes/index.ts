export { AclRulesRejected, NodeStartFailed } from './errors';
export { findRedisServer } from './executables';
export {
  type RedisServerNodeBackendOptions,
  redisServerNodeBackend,
  stopAllNodes,
} from './redisServerBackend';
export type * from './types';
