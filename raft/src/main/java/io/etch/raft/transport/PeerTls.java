package io.etch.raft.transport;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Mutual TLS settings of the peer port, mirroring etcd's flags {@code --peer-cert-file},
 * {@code --peer-key-file}, {@code --peer-trusted-ca-file} and {@code --peer-client-cert-auth}.
 *
 * <p>Wherever the transport accepts a {@code PeerTls}, {@code null} means plaintext (h2c). The files
 * are PEM. Not implemented yet: passing a non-null value makes the server/channel builders throw
 * {@link UnsupportedOperationException} (see {@code PeerNetty#serverCredentials}).
 *
 * @param certFile      this member's certificate chain (PEM), used as server and as client certificate
 * @param keyFile       its private key (PEM, PKCS#8)
 * @param trustedCaFile CA bundle (PEM) that peer certificates must chain to
 * @param clientCertAuth whether the server requires and verifies a client certificate
 */
public record PeerTls(Path certFile, Path keyFile, Path trustedCaFile, boolean clientCertAuth) {
    public PeerTls {
        Objects.requireNonNull(certFile, "certFile");
        Objects.requireNonNull(keyFile, "keyFile");
        Objects.requireNonNull(trustedCaFile, "trustedCaFile");
    }
}
