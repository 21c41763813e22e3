/**
 * Route authentication and client address lists as small request-path classes that know no
 * Spring Cloud Gateway or WebFlux type: a {@link dev.isthmus.runtime.auth.RequestGuard} reads an
 * {@link dev.isthmus.runtime.auth.AuthRequest} and answers an
 * {@link dev.isthmus.runtime.auth.AuthDecision}, so the Spring Cloud Gateway filter chain
 * ({@code runtime.policy}'s contributors) and a native Reactor Netty data plane call the same code.
 * Nothing here blocks an event loop: keys and authorization answers come over the gateway's Reactor
 * Netty client, bcrypt runs on its own bounded pool, Secrets and files are read off the request path.
 */
package dev.isthmus.runtime.auth;
