/**
 * The engine under every front-end: {@link Engine} creates, starts, reaches, stops and
 * removes stored VMs; errors are one-line {@link EngineException}s.
 */
package io.jvmm.runtime;
