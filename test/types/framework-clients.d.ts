/**
 * The parts the preset e2e tests use of two framework clients that ship no types (npm `phoenix`
 * 1.8, `@rails/actioncable` 8.1), written from their sources (phoenix/priv/static/phoenix.mjs,
 * @rails/actioncable/app/assets/javascripts/actioncable.esm.js).
 */
declare module "phoenix" {
  export interface Push {
    receive(status: "ok" | "error" | "timeout", callback: (response?: unknown) => void): Push;
  }
  export class Channel {
    join(timeout?: number): Push;
    leave(timeout?: number): Push;
    on(event: string, callback: (payload: unknown) => void): number;
  }
  export interface SocketOptions {
    /** a WebSocket class (the browser's by default, else LongPoll) */
    transport?: unknown;
    heartbeatIntervalMs?: number;
    reconnectAfterMs?: (tries: number) => number;
    rejoinAfterMs?: (tries: number) => number;
    authToken?: string;
    params?: Record<string, unknown>;
  }
  /** the long-poll transport, a WebSocket-like class (`transport: LongPoll`) */
  export class LongPoll {
    constructor(endPoint: string, protocols?: string[]);
  }
  export class Socket {
    constructor(endPoint: string, options?: SocketOptions);
    connect(): void;
    disconnect(callback?: () => void, code?: number, reason?: string): void;
    channel(topic: string, params?: Record<string, unknown>): Channel;
    onOpen(callback: () => void): string;
    onClose(callback: (event: unknown) => void): string;
    onError(callback: (error: unknown) => void): string;
    onMessage(callback: (message: { topic: string; event: string; payload: unknown; ref: string | null }) => void): string;
    ping(callback: (rttMs: number) => void): boolean;
  }
}

declare module "@rails/actioncable" {
  export interface Subscription {
    identifier: string;
    perform(action: string, data?: Record<string, unknown>): boolean;
    unsubscribe(): void;
  }
  export interface SubscriptionMixin {
    connected?(): void;
    disconnected?(): void;
    rejected?(): void;
    received?(data: unknown): void;
  }
  export interface Consumer {
    url: string;
    subscriptions: { create(channel: string | Record<string, unknown>, mixin?: SubscriptionMixin): Subscription };
    connection: { webSocket?: { protocol: string }; isOpen(): boolean; getProtocol(): string | undefined };
    connect(): boolean;
    disconnect(): void;
  }
  export const adapters: { WebSocket: unknown; logger: unknown };
  export const INTERNAL: {
    default_mount_path: string;
    protocols: string[];
    message_types: Record<string, string>;
  };
  export const ConnectionMonitor: { staleThreshold: number; prototype: unknown };
  export function createConsumer(url?: string): Consumer;
}
