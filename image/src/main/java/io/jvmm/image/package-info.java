/**
 * OCI images: references, manifests and configs, the registry client (auth, blob downloads with
 * resume), the content-addressed store, and imports of docker-save archives and OCI layouts.
 */
package io.jvmm.image;
