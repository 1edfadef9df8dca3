/**
 * The embedding API: a Linux VM with the guest agent as init, its root image read-only under an
 * overlay, volumes, network and snapshots, started and driven from Java.
 */
package io.jvmm.sandbox;
