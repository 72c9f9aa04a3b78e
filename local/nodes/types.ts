/** The node backend contract is owned by the stand-in; re-exported so callers need one import. */
export type {
  NodeBackend,
  NodeBackendGroup,
  NodeBackendMember,
  NodeBackendNodeGroup,
  NodeBackendSpec,
  NodeBackendUser,
  NodeEndpoint,
} from '../standin/nodeBackend';
