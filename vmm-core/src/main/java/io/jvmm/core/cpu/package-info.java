/**
 * vCPUs: one named platform thread each running KVM_RUN, the exits they dispatch, pausing them
 * for snapshots, and register dumps for crash reports.
 */
package io.jvmm.core.cpu;
