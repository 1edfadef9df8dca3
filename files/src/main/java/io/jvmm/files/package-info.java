/**
 * File helpers every module shares: deleting a tree without following links, closing quietly,
 * replacing a file atomically (temporary file, fsync, rename).
 */
package io.jvmm.files;
