package io.meshfl.core.trust;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Folders and files only their owner may read: the catalog, a node's state (ledger, audit, model
 * parts) and key folders. MeshFL creates them owner-only (0700 folders, 0600 files) and refuses to
 * use one that others can read, naming it, since another account on the host could otherwise copy
 * a key or rewrite a ledger behind MeshFL's back. On file systems without POSIX permissions the
 * checks do not apply (the platform's own access control protects the folder).
 */
public final class PrivateFiles {

    private static final Set<PosixFilePermission> OTHERS = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private PrivateFiles() {
    }

    /**
     * The folder {@code dir}, created owner-only if missing (its parents as usual); refused with
     * {@code what} named when it exists and others may read, write or enter it.
     */
    public static Path directory(Path dir, String what) {
        Path d = dir.toAbsolutePath().normalize();
        try {
            if (!Files.exists(d, LinkOption.NOFOLLOW_LINKS)) {
                // every folder made on MeshFL's behalf is owner-only, the missing parents too
                java.util.ArrayDeque<Path> missing = new java.util.ArrayDeque<>();
                for (Path p = d; p != null && !Files.exists(p, LinkOption.NOFOLLOW_LINKS); p = p.getParent()) missing.push(p);
                boolean posix = posix(d);
                boolean raced = false;
                for (Path p : missing) {
                    try {
                        if (posix) {
                            Files.createDirectory(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                            // the umask may have taken bits away, never added: set them exactly
                            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
                        } else {
                            Files.createDirectory(p);
                        }
                    } catch (java.nio.file.FileAlreadyExistsException e) {
                        // made meanwhile by another process starting beside this one (nodes sharing a parent folder): go on below it;
                        // the folder itself is checked below like any existing one
                        raced = true;
                        if (!Files.isDirectory(p)) break;
                    }
                }
                return raced ? checked(d, what) : d;
            }
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.NODE_FAILURE, "cannot create " + what + " " + d + ": " + e.getMessage(), e);
        }
        return checked(d, what);
    }

    private static Path checked(Path d, String what) {
        if (!Files.isDirectory(d)) throw new MeshflException(ErrorCode.NODE_FAILURE, what + " " + d + " is not a folder");
        requireOwnerOnly(d, what, "chmod 700 ");
        return d;
    }

    /** Refuses a file (a private key) that others may read, naming it. */
    public static void requirePrivateFile(Path file, String what) {
        if (Files.exists(file)) requireOwnerOnly(file, what, "chmod 600 ");
    }

    /** Makes an existing file owner-only (0600), e.g. one a database engine created with the default mask. */
    public static void restrict(Path file) {
        try {
            if (Files.exists(file, LinkOption.NOFOLLOW_LINKS) && posix(file)) {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            }
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.NODE_FAILURE, "cannot make " + file + " private: " + e.getMessage(), e);
        }
    }

    /** Whether others may read, write or enter {@code path} (false where permissions are not POSIX). */
    public static boolean openToOthers(Path path) {
        try {
            if (!posix(path)) return false;
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(path);
            p.retainAll(OTHERS);
            return !p.isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    private static void requireOwnerOnly(Path path, String what, String fix) {
        if (openToOthers(path)) {
            String mode;
            try {
                mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
            } catch (IOException e) {
                mode = "?";
            }
            throw new MeshflException(ErrorCode.POLICY_VIOLATION, "refusing to use " + what + " " + path + ": others may access it ("
                    + mode + "); only its owner may. Fix with: " + fix + path);
        }
    }

    private static boolean posix(Path p) {
        Path at = p;
        while (at != null && !Files.exists(at)) at = at.getParent();
        return at != null && at.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
