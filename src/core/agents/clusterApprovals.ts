// "Always allow for this cluster": the clusters on which the user lets agents run queries without asking each
// time, remembered per workspace (VS Code's workspaceState), by canonical cluster URL. Pure: no vscode.

/** The part of a VS Code Memento this needs. */
export interface ApprovalMemento {
  get<T>(key: string, defaultValue: T): T;
  update(key: string, value: unknown): PromiseLike<void>;
}

const KEY = 'kusto.agents.allowedClusters';

export class ClusterApprovals {
  constructor(private readonly memento: ApprovalMemento) {}

  isAllowed(clusterUrl: string): boolean {
    return this.list().includes(clusterUrl);
  }

  list(): string[] {
    const stored = this.memento.get<unknown>(KEY, []);
    return Array.isArray(stored) ? stored.filter((url): url is string => typeof url === 'string') : [];
  }

  async allow(clusterUrl: string): Promise<void> {
    if (!this.isAllowed(clusterUrl)) {
      await this.memento.update(KEY, [...this.list(), clusterUrl]);
    }
  }

  /** Forgets one cluster, or all when none is given. */
  async forget(clusterUrl?: string): Promise<void> {
    await this.memento.update(KEY, clusterUrl === undefined ? [] : this.list().filter((url) => url !== clusterUrl));
  }
}
