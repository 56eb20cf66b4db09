// Where REGISTERs go (RFC 3263 §4.3): the registrar's targets in failover order, then the backup's; each cycle starts at the primary.

import type { Logger } from '../../platform/Logger.ts';
import type { Resolver } from '../transport/resolver.ts';
import type { Target } from '../transport/types.ts';
import type { Server } from './requests.ts';

/** The current target, or why there is none: every server failed to resolve, or the cursor moved on meanwhile. */
export type NextTarget = { readonly server: Server; readonly target: Target } | 'exhausted' | 'superseded';

/**
 * A position in the failover order. Targets are resolved once per server per cycle, so a target marked failed stays
 * behind us even when the resolver's hold on it ends (a 503's Retry-After outlasts it).
 */
export class TargetCursor {
  readonly #resolver: Resolver;
  readonly #logger: Logger;
  #servers: readonly Server[] = [];
  #server = 0;
  #targets: Target[] | undefined;
  #index = 0;
  /** Bumped on every move, so a resolve that finishes after one does not write into the new position. */
  #moves = 0;

  constructor(resolver: Resolver, logger: Logger) {
    this.#resolver = resolver;
    this.#logger = logger;
  }

  /** Back to the first target of the primary (with a new server list when given). */
  reset(servers?: readonly Server[]): void {
    if (servers !== undefined) this.#servers = servers;
    this.#server = 0;
    this.#targets = undefined;
    this.#index = 0;
    this.#moves++;
  }

  /** The server the cursor is at. */
  get server(): Server | undefined {
    return this.#servers[this.#server];
  }

  /** The current target, resolving the current server first when needed (a server that does not resolve is skipped). */
  async current(): Promise<NextTarget> {
    for (;;) {
      const server = this.#servers[this.#server];
      if (server === undefined) {
        this.reset();
        return 'exhausted';
      }
      if (this.#targets === undefined) {
        const moves = this.#moves;
        let targets: Target[] = [];
        try {
          targets = await this.#resolver.resolve(server.resolveUri);
        } catch (error) {
          const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'DNS_FAILED';
          this.#logger.info('registrarUnresolved', { registrar: server.registrar, code });
        }
        if (moves !== this.#moves) return 'superseded';
        this.#targets = targets;
        this.#index = 0;
      }
      const target = this.#targets[this.#index];
      if (target !== undefined) return { server, target };
      if (!this.advance('server')) return 'exhausted';
    }
  }

  /** Moves past the current target (or its whole server); false when every server was tried: the cursor is then back at the primary. */
  advance(what: 'target' | 'server'): boolean {
    this.#moves++;
    if (what === 'target' && this.#targets !== undefined && this.#index + 1 < this.#targets.length) {
      this.#index++;
      return true;
    }
    this.#server++;
    this.#targets = undefined;
    this.#index = 0;
    if (this.#server < this.#servers.length) return true;
    this.reset();
    return false;
  }
}
