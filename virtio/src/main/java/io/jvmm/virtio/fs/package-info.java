/**
 * virtio-fs (virtio 1.2 section 5.11): the device's queues and configuration, handing each request to
 * an FsRequestHandler (a FUSE server) without knowing the file system behind it. Pure logic over
 * guest memory.
 */
package io.jvmm.virtio.fs;
