/**
 * Which workload a pod belongs to, from names alone (Skaffold's events carry no owner
 * reference): a Deployment's pod is `<name>-<replicaset hash>-<suffix>`, a StatefulSet's
 * `<name>-<ordinal>`, so the longest workload name that prefixes the pod's name followed by
 * `-` owns it (`app-api` wins over `app`). Used by the reducer (a rollout's new pods replace
 * the old ones) and by the views (pods under their workload).
 */

/** `Pod/app-6d8f7c9b5-x2k4q` and `pods/...` are pods; `deployment/app` is not. */
export function isPod(resource: string): boolean {
  // What /^pods?\//i says, without a regular expression: this runs for every resource event.
  const c = resource.charCodeAt(3);
  return (c === 0x2f || ((c | 0x20) === 0x73 && resource.charCodeAt(4) === 0x2f))
    && (resource.charCodeAt(0) | 0x20) === 0x70 && (resource.charCodeAt(1) | 0x20) === 0x6f && (resource.charCodeAt(2) | 0x20) === 0x64;
}

/** The name after the kind: `Pod/app-6d8f7c9b5-x2k4q` -> `app-6d8f7c9b5-x2k4q`. */
export function shortName(resource: string): string {
  const i = resource.indexOf('/');
  return i >= 0 ? resource.slice(i + 1) : resource;
}

/** The kind before the name, lower-cased: `Pod/x` -> `pod`; '' when there is none. */
export function kindOf(resource: string): string {
  const i = resource.indexOf('/');
  return i > 0 ? resource.slice(0, i).toLowerCase() : '';
}

/**
 * Workloads by the name pods are named after, to find a pod's owner in a few lookups (one per
 * `-` in the pod's name) rather than one comparison per workload.
 */
export class WorkloadIndex {
  private readonly byShortName = new Map<string, string>();

  constructor(workloads: Iterable<string> = []) {
    for (const w of workloads) {
      this.add(w);
    }
  }

  /** Adds a workload (`deployment/app`); the first of several with the same name stays. */
  add(workload: string): void {
    const short = shortName(workload);
    if (!this.byShortName.has(short)) {
      this.byShortName.set(short, workload);
    }
  }

  /** The owner of a pod: the workload with the longest name that prefixes the pod's followed by `-`. */
  ownerOf(pod: string): string | undefined {
    const name = shortName(pod);
    for (let i = name.lastIndexOf('-'); i > 0; i = name.lastIndexOf('-', i - 1)) {
      const owner = this.byShortName.get(name.slice(0, i));
      if (owner !== undefined) {
        return owner;
      }
    }
    return undefined;
  }
}

/**
 * The owner of a pod among `workloads` (full resource names such as `deployment/app`), or
 * undefined when none claims it. For many pods, build one WorkloadIndex instead.
 */
export function ownerOf(pod: string, workloads: Iterable<string>): string | undefined {
  return new WorkloadIndex(workloads).ownerOf(pod);
}

/**
 * What a pod's name says of its owner when no workload is known: a Deployment's pod name
 * without its ReplicaSet hash and suffix (`app-6d8f7c9b5-x2k4q` -> `app`), else the name
 * without its last part (`db-0` -> `db`).
 */
export function ownerStem(pod: string): string {
  const name = shortName(pod);
  const m = /^(.+)-[0-9a-z]{5,10}-[0-9a-z]{5}$/.exec(name) ?? /^(.+)-[^-]+$/.exec(name);
  return m ? m[1] : name;
}
