/**
 * OCI images as VMs run them: the cached EROFS root image of an image, and docker's merge of an
 * image's config with the user's options into the workload.
 */
package io.jvmm.runtime.image;
