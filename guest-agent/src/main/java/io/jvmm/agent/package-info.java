/**
 * The host side of the guest agent (PROTOCOL.md): frames and their codec, the agent's config in
 * the initramfs, and a client for exec sessions, file copies and power-off over any byte channel.
 */
package io.jvmm.agent;
