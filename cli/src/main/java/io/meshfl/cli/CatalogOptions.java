package io.meshfl.cli;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.trust.PrivateFiles;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a command finds the catalog: an embedded database file (one process at a time), or a
 * PostgreSQL database for a production mesh, reached over TLS set in its JDBC URL, with a user
 * and a password from a file or the environment (never from the command line).
 */
class CatalogOptions {

    /** The environment variable a PostgreSQL catalog's password may come from. */
    static final String PASSWORD_ENV = "MESHFL_CATALOG_PASSWORD";

    @Option(names = "--catalog", defaultValue = ".meshfl/catalog", paramLabel = "FILE|URL",
            description = "The catalog: an embedded database file (default: ${DEFAULT-VALUE}), or a PostgreSQL database, e.g. "
                    + "jdbc:postgresql://db.example:5432/meshfl?sslmode=verify-full&sslrootcert=ca.pem")
    String catalog;

    @Option(names = "--catalog-user", paramLabel = "USER", description = "With a PostgreSQL catalog: the database user.")
    String user;

    @Option(names = "--catalog-password-file", paramLabel = "FILE",
            description = "With a PostgreSQL catalog: a file (owner-only) holding the password; else " + PASSWORD_ENV + " is read.")
    Path passwordFile;

    boolean embedded() {
        return !catalog.startsWith("jdbc:");
    }

    Catalog open() {
        if (embedded()) {
            if (user != null || passwordFile != null) {
                throw new MeshflException(ErrorCode.CATALOG_FAILURE, "--catalog-user and --catalog-password-file apply to a PostgreSQL catalog, "
                        + "not to the embedded catalog " + catalog);
            }
            return Catalog.open(Path.of(catalog));
        }
        return Catalog.open(catalog, user, password());
    }

    private String password() {
        if (passwordFile != null) {
            PrivateFiles.requirePrivateFile(passwordFile, "catalog password file");
            try {
                return Files.readString(passwordFile).strip();
            } catch (IOException e) {
                throw new MeshflException(ErrorCode.CATALOG_FAILURE, "cannot read the catalog password file " + passwordFile + ": " + e.getMessage());
            }
        }
        return System.getenv(PASSWORD_ENV);
    }

    /** The local folder this command keeps state in beside the catalog: the embedded catalog's folder, else {@code .meshfl}. */
    Path folder() {
        Path parent = embedded() ? Path.of(catalog).toAbsolutePath().getParent() : null;
        return parent == null ? Path.of(".meshfl").toAbsolutePath() : parent;
    }

    /** Where an embedded mesh's nodes keep their state ({@code <folder>/nodes}), so a later 'meshfl predict' finds their parts. */
    Path nodeState() {
        return folder().resolve("nodes");
    }

    /** What to call the catalog in messages (a PostgreSQL URL without its query). */
    String describe() {
        return embedded() ? Path.of(catalog).toAbsolutePath().toString() : catalog.replaceAll("\\?.*", "");
    }
}
