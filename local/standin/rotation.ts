/**
 * Rotation functions the stand-in's Secrets Manager invokes, by Lambda ARN, and the rotations under way.
 * As in AWS, RotateSecret answers at once and the function's four steps run afterwards, one after the
 * other, each only once the one before succeeded.
 */

export const ROTATION_STEP_ORDER = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;

export interface RotationInvocation {
  Step: string;
  SecretId: string;
  ClientRequestToken: string;
}

/** Invokes a rotation function as Lambda would; rejects with the function's error. */
export type RotationFunction = (event: RotationInvocation) => Promise<unknown>;

export class SecretRotations {
  readonly #functions: Readonly<Record<string, RotationFunction>>;
  readonly #running = new Map<string, Promise<void>>();

  constructor(functions: Readonly<Record<string, RotationFunction>> = {}) {
    this.#functions = functions;
  }

  has(lambdaArn: string): boolean {
    return Object.hasOwn(this.#functions, lambdaArn);
  }

  /** Whether a rotation of this secret is running in this process now. */
  isRunning(secretName: string): boolean {
    return this.#running.has(secretName);
  }

  /** Runs the four steps in the background; `done` hears how it ended (the failing step's error, if any). */
  start(
    secretName: string,
    lambdaArn: string,
    event: Omit<RotationInvocation, 'Step'>,
    done: (failure?: Error) => void,
  ): void {
    const fn = this.#functions[lambdaArn];
    if (!fn) throw new Error(`No rotation function ${lambdaArn}`);
    const run = (async () => {
      for (const step of ROTATION_STEP_ORDER) {
        try {
          await fn({ Step: step, ...event });
        } catch (err) {
          done(err instanceof Error ? err : new Error(String(err)));
          return;
        }
      }
      done();
    })().finally(() => this.#running.delete(secretName));
    this.#running.set(secretName, run);
  }

  /** Resolves once no rotation runs. */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running.values()]);
  }
}
