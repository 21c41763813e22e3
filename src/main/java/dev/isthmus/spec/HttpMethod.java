package dev.isthmus.spec;

/** HTTP methods a route can match. */
public enum HttpMethod {
    GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, TRACE, CONNECT
}
