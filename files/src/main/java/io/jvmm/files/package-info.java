/**
 * File helpers every module shares: deleting a tree without following links, closing quietly,
 * replacing a file atomically (temporary file, fsync, rename), a file lock shared or exclusive.
 */
package io.jvmm.files;
