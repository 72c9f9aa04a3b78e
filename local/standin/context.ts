import type { FaultInjector } from './faults';
import type { Store } from './store';
import type { QueryParams, XmlObject } from './wire';

/** What an ElastiCache operation sees of one request. */
export interface QueryContext {
  store: Store;
  params: QueryParams;
  /** From the request's signature scope; used in ARNs. */
  region: string;
  faults: FaultInjector;
}

export type QueryOperation = (context: QueryContext) => XmlObject;
