/**
 * {@code etchctl}, Etch's command line client ({@link io.etch.cli.EtchctlMain}). Parameters and results
 * are non-null unless documented otherwise.
 */
package io.etch.cli;
