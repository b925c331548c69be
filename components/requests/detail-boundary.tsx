"use client";

import { Component, type ReactNode } from "react";

type Props = { rawUrl: string; children: ReactNode };
type State = { message: string | null };

/**
 * Keeps a capture that fails to render from taking the whole dashboard with it: React
 * unmounts everything up to the nearest boundary, the live list included. Keyed by the
 * capture, so choosing another one starts afresh.
 */
export class DetailBoundary extends Component<Props, State> {
  override state: State = { message: null };

  static getDerivedStateFromError(error: unknown): State {
    return { message: error instanceof Error ? error.message : String(error) };
  }

  override render() {
    if (this.state.message === null) return this.props.children;
    return (
      <div role="alert" className="p-6 text-sm text-red-700 dark:text-red-400">
        This request could not be shown ({this.state.message}).{" "}
        <a className="underline" href={this.props.rawUrl} target="_blank" rel="noopener noreferrer">
          Open its raw body
        </a>
        .
      </div>
    );
  }
}
