/**
 * The coordinator's service face over HTTPS: a REST API with the mesh's identities (client
 * certificates signed by the mesh CA, checked against the revocation list on every request), the
 * same visibility of products and runs as the gRPC side, errors as RFC 9457 problem details with
 * MeshFL's error codes, paged lists, and an OpenAPI document generated from the routes themselves.
 */
package io.meshfl.web;
