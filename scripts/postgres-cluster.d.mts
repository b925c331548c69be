import type pg from "pg";

/** A running throwaway cluster; plain data, so vitest's `provide` can hand it to test files. */
export type PostgresCluster = {
  /** The PostgreSQL binaries it runs (`/usr/lib/postgresql/<major>/bin`). */
  binDir: string;
  /** Its temp dir: data dir, logs, and the unix socket for admin steps. */
  dir: string;
  socketDir: string;
  /** TCP, loopback only, as a user would connect. */
  host: "127.0.0.1";
  port: number;
  /** The product's role (LOGIN, CREATEDB) and its password. */
  user: string;
  password: string;
  watchdogPid: number;
};

export const postgresInstallHint: string;
export function findPostgresBinDir(): string | undefined;
export function startCluster(options?: { binDir?: string }): Promise<PostgresCluster>;
export function stopCluster(info: PostgresCluster): void;
export function restartCluster(info: PostgresCluster, options?: { mode?: "smart" | "fast" | "immediate" }): Promise<void>;
export function createDatabase(info: PostgresCluster, name: string): Promise<string>;
export function withAdmin<T>(info: PostgresCluster, work: (client: pg.Client) => Promise<T>): Promise<T>;
export function asClusterOwner(command: string, args: string[]): [string, string[]];
