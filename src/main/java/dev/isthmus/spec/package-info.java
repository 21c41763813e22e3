/**
 * The authored route format: the {@code spec} of a {@code GatewayRoute}, and each entry of a routes
 * file or ConfigMap document (docs/design.md §3.1, §3.2). These records are the wire format only: they
 * keep durations and names as written, so that the compile step can report precise errors. The
 * GatewayRoute CRD schema is generated from them at build time (fabric8 crd-generator), so the
 * annotations here are the API server's validation.
 */
package dev.isthmus.spec;
