// Assembles the SIP stack from its layers: transports → transactions → dialogs, registration or registrar → UA.

import type { Clock } from '../../platform/Clock.ts';
import type { Hasher } from '../../platform/hash.ts';
import type { Logger } from '../../platform/Logger.ts';
import { DigestClient } from '../auth/DigestClient.ts';
import { DigestServer } from '../auth/DigestServer.ts';
import type { Credentials } from '../auth/types.ts';
import { DialogLayer } from '../dialog/DialogLayer.ts';
import type { SessionDescriptionHandler, SessionMediaContext } from '../dialog/types.ts';
import { Registrar } from '../registrar/Registrar.ts';
import type { RegistrarUser } from '../registrar/types.ts';
import { RegistrationClient } from '../registration/RegistrationClient.ts';
import { type Server, configuredServers } from '../registration/requests.ts';
import type { RegistrationConfig } from '../registration/types.ts';
import { type SipContext, TransactionLayer } from '../transaction/index.ts';
import { createDnsBackend } from '../transport/dnsBackend.ts';
import { type DnsBackend, createResolver } from '../transport/resolver.ts';
import { createTcpTransport } from '../transport/tcp.ts';
import { createTlsTransport } from '../transport/tls.ts';
import { TransportLayer } from '../transport/TransportLayer.ts';
import type { Address, Transport, TransportEvents, TransportProtocol } from '../transport/types.ts';
import { createUdpTransport } from '../transport/udp.ts';
import { UserAgent } from './UserAgent.ts';

export interface StackOptions {
  readonly listen: { readonly host: string; readonly port: number; readonly transports: readonly ('udp' | 'tcp')[] };
  /** Registered mode when set; standalone (built-in registrar) otherwise. */
  readonly account?: {
    readonly registrar: string;
    readonly backupRegistrar?: string;
    readonly outboundProxy?: string;
    readonly protocol?: TransportProtocol;
    readonly aor: string;
    readonly credentials: Credentials;
    readonly expires: number;
    /** TLS: trusted CA certificates (PEM; replaces the system CAs) and an optional leaf pin. */
    readonly tls?: { readonly ca?: string; readonly pinnedSha256?: string };
  };
  readonly standalone?: { readonly domain: string; readonly users: readonly RegistrarUser[] };
  /** Stable identity: the unguessable Contact user and the RFC 5626 instance id. */
  readonly contactUser: string;
  readonly instanceId: string;
  readonly localUsers: readonly string[];
  readonly displayName: string;
  readonly peerAllowList: readonly string[];
  /** The media side of one call, given our local address toward the far end (the SDP's address). */
  readonly media: (local: Address, context: SessionMediaContext) => SessionDescriptionHandler;
}

export interface StackDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly hasher: Hasher;
  readonly random?: () => number;
  readonly dns?: DnsBackend;
  /**
   * Makes the transport drivers instead of opening sockets (scenario tests put whole stacks on the loop network).
   * Given the events object the drivers must report to; replaces `listen.transports` and the TLS client.
   */
  readonly transports?: (events: TransportEvents) => readonly Transport[];
}

export interface Stack {
  readonly ua: UserAgent;
  readonly transport: TransportLayer;
  readonly transactions: TransactionLayer;
  readonly dialogs: DialogLayer;
  readonly registrar: Registrar | undefined;
  readonly registration: RegistrationClient | undefined;
  /** Un-registers, ends calls and closes the sockets. */
  close(): Promise<void>;
}

/** Builds and starts the stack; rejects (BIND_FAILED …) when a socket cannot be opened. */
export async function createStack(options: StackOptions, deps: StackDeps): Promise<Stack> {
  const transport = new TransportLayer(deps.logger);
  const drivers: Transport[] = [];
  try {
    for (const driver of deps.transports?.(transport.events) ?? []) {
      drivers.push(driver);
      transport.add(driver);
    }
    for (const protocol of deps.transports === undefined ? options.listen.transports : []) {
      const driver = protocol === 'udp'
        ? await createUdpTransport({ host: options.listen.host, port: options.listen.port, logger: deps.logger, clock: deps.clock }, transport.events)
        : await createTcpTransport({ host: options.listen.host, port: options.listen.port, listen: true, clock: deps.clock, logger: deps.logger }, transport.events);
      drivers.push(driver);
      transport.add(driver);
    }
    // A TLS client towards the registrar when the account asks for it (the device never listens for TLS).
    if (options.account?.protocol === 'tls' && deps.transports === undefined) {
      const tls = options.account.tls ?? {};
      const driver = await createTlsTransport({
        ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
        ...(tls.pinnedSha256 !== undefined ? { pinnedSha256: tls.pinnedSha256 } : {}),
        clock: deps.clock,
        logger: deps.logger,
      }, transport.events);
      drivers.push(driver);
      transport.add(driver);
    }
  } catch (err) {
    await Promise.all(drivers.map((d) => d.close()));
    throw err;
  }
  const transactions = new TransactionLayer({ clock: deps.clock, transport, logger: deps.logger });
  transport.setUser(transactions);
  const ctx: SipContext = {
    clock: deps.clock,
    logger: deps.logger,
    transactions,
    transport,
    resolver: createResolver({ dns: deps.dns ?? createDnsBackend(), clock: deps.clock, logger: deps.logger, supported: drivers.map((d) => d.protocol) }),
    hasher: deps.hasher,
    random: deps.random ?? Math.random,
  };
  const dialogs = new DialogLayer(ctx);
  let registration: RegistrationClient | undefined;
  let pbx: Server | undefined;
  let digest: DigestClient | undefined;
  let registrar: Registrar | undefined;
  const account = options.account;
  const standalone = options.standalone ?? { domain: 'doorbell.local', users: [] };
  if (account !== undefined) {
    digest = new DigestClient({ hasher: deps.hasher, credentials: account.credentials });
    const registrationConfig: RegistrationConfig = {
      registrar: account.registrar,
      ...(account.backupRegistrar !== undefined ? { backupRegistrar: account.backupRegistrar } : {}),
      ...(account.outboundProxy !== undefined ? { outboundProxy: account.outboundProxy } : {}),
      ...(account.protocol !== undefined ? { protocol: account.protocol } : {}),
      aor: account.aor,
      displayName: options.displayName,
      contactUser: options.contactUser,
      instanceId: options.instanceId,
      credentials: account.credentials,
      expires: account.expires,
    };
    try {
      pbx = configuredServers(registrationConfig)[0];
    } catch {
      pbx = undefined; // a URI that does not parse: the registration reports it (bad-config)
    }
    registration = new RegistrationClient(ctx, registrationConfig, digest);
  } else {
    registrar = new Registrar(ctx, { realm: standalone.domain, users: standalone.users }, new DigestServer({ hasher: deps.hasher, clock: deps.clock, realm: standalone.domain }));
  }
  const domain = account !== undefined ? account.aor.replace(/^sips?:[^@]*@/i, '').replace(/[;?].*$/, '') : standalone.domain;
  const ua = new UserAgent(ctx, {
    contactUser: options.contactUser,
    localUsers: options.localUsers,
    domain,
    displayName: options.displayName,
    ...(account !== undefined ? { aor: account.aor } : {}),
    // Calls to the PBX go where the REGISTERs go: through the outbound proxy, over the account's transport.
    ...(pbx !== undefined ? { proxy: pbx.resolveUri, proxyRoute: pbx.route } : {}),
    allowList: options.peerAllowList,
  }, {
    dialogs,
    media: options.media,
    ...(registration !== undefined ? { registration } : {}),
    ...(digest !== undefined ? { digest } : {}),
    ...(registrar !== undefined ? { registrar } : {}),
  });
  ua.start();
  return {
    ua, transport, transactions, dialogs, registrar, registration,
    close: async () => {
      await ua.stop();
      await Promise.all(drivers.map((d) => d.close()));
    },
  };
}
