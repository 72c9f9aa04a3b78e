import net from 'node:net';

export const LOOPBACK = '127.0.0.1';
const HIGHEST_PORT = 65535;

/** Ports handed out in this process and not yet released, so parallel starts never share one. */
const reservedPorts = new Set<number>();

function listenOnce(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(undefined));
    server.listen({ host: LOOPBACK, port, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

/**
 * Hands out loopback ports that were free a moment ago. Another process can still take one
 * before redis-server binds it, so callers retry a node whose bind fails.
 */
export class PortAllocator {
  private cursor: number | undefined;

  /** From basePort upwards when given, else wherever the kernel picks an ephemeral port. */
  constructor(basePort?: number) {
    this.cursor = basePort;
  }

  async reserve(): Promise<number> {
    for (let attempt = 0; attempt < 200; attempt++) {
      const port = this.cursor === undefined ? await this.ephemeralPort() : await this.nextFromBase();
      if (port !== undefined) return port;
    }
    throw new Error('No free loopback port found');
  }

  release(port: number): void {
    reservedPorts.delete(port);
  }

  private async ephemeralPort(): Promise<number | undefined> {
    const port = await listenOnce(0);
    if (port === undefined || reservedPorts.has(port)) return undefined;
    reservedPorts.add(port);
    return port;
  }

  private async nextFromBase(): Promise<number | undefined> {
    let candidate = this.cursor ?? 0;
    while (reservedPorts.has(candidate)) candidate++;
    if (candidate > HIGHEST_PORT) throw new Error('No free loopback port left above basePort');
    this.cursor = candidate + 1;
    // Reserved before probing so concurrent callers skip it.
    reservedPorts.add(candidate);
    if ((await listenOnce(candidate)) === candidate) return candidate;
    reservedPorts.delete(candidate);
    return undefined;
  }
}
