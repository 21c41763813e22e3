package dev.isthmus.discovery;

/** Resolution policies for unqualified service names ({@code isthmus.discovery.policy}, docs/design.md §3.4). */
public enum DiscoveryPolicy {
    /** Kubernetes when it knows the service, else Consul. */
    PREFER_KUBERNETES,
    /** Consul when it knows the service, else Kubernetes. */
    PREFER_CONSUL,
    /** All healthy instances from both. */
    MERGE,
    /** Kubernetes' healthy instances, or Consul's when Kubernetes has none. */
    FAILOVER
}
