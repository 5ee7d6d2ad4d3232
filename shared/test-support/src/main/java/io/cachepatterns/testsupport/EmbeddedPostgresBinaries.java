package io.cachepatterns.testsupport;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * The PostgreSQL binaries that the zonky embedded distribution carries, unpacked into a folder of their own that
 * every user can read, so that a root JVM can run them as another user ({@link LocalPostgres}): zonky's own starter
 * runs them as the JVM's user, which PostgreSQL refuses when that is root.
 *
 * <p>Unpacked once per machine and bundle (the folder is named after the bundle's size), into a temporary folder
 * first and then renamed, so that test JVMs running side by side never see half of it.
 */
final class EmbeddedPostgresBinaries {

    private static final Set<PosixFilePermission> READABLE_BY_ALL = PosixFilePermissions.fromString("rwxr-xr-x");
    private static final Set<PosixFilePermission> READABLE_FILE = PosixFilePermissions.fromString("rw-r--r--");

    private EmbeddedPostgresBinaries() {
    }

    /** The {@code bin} folder of the unpacked distribution. */
    static synchronized Path unpack() {
        try {
            byte[] bundle;
            try (InputStream in = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary(system(), hardware())) {
                bundle = in.readAllBytes();
            }
            Path target = Path.of(System.getProperty("java.io.tmpdir"), "cache-patterns-postgres-" + bundle.length);
            if (Files.isExecutable(target.resolve("bin/postgres"))) {
                return target.resolve("bin");
            }
            Path staging = Files.createTempDirectory(target.getParent(), target.getFileName() + "-unpacking-");
            try (TarArchiveInputStream tar = new TarArchiveInputStream(
                    new XZInputStream(new BufferedInputStream(new ByteArrayInputStream(bundle))))) {
                TarArchiveEntry entry;
                while ((entry = tar.getNextEntry()) != null) {
                    Path path = staging.resolve(entry.getName()).normalize();
                    if (!path.startsWith(staging)) {
                        throw new IOException("entry outside the bundle: " + entry.getName());
                    }
                    if (entry.isDirectory()) {
                        Files.createDirectories(path);
                    } else if (entry.isSymbolicLink()) {
                        Files.createDirectories(path.getParent());
                        Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
                    } else if (entry.isLink()) { // a hard link names its target from the top of the bundle
                        Files.createDirectories(path.getParent());
                        Files.createLink(path, staging.resolve(entry.getLinkName()));
                    } else {
                        Files.createDirectories(path.getParent());
                        Files.copy(tar, path, StandardCopyOption.REPLACE_EXISTING);
                        boolean executable = (entry.getMode() & 0100) != 0 || entry.getName().matches("(\\./)?bin/.*");
                        Files.setPosixFilePermissions(path, executable ? READABLE_BY_ALL : READABLE_FILE);
                    }
                }
            }
            try (var paths = Files.walk(staging)) {
                for (Path dir : paths.filter(Files::isDirectory).toList()) {
                    Files.setPosixFilePermissions(dir, READABLE_BY_ALL);
                }
            }
            try {
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException anotherJvmWasFirst) {
                Processes.deleteTree(staging);
            }
            return target.resolve("bin");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack the embedded PostgreSQL binaries", e);
        }
    }

    /** The names zonky's bundles are published under: Linux, Darwin or Windows; x86_64, else the JVM's own. */
    private static String system() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        return os.contains("mac") ? "Darwin" : os.contains("win") ? "Windows" : "Linux";
    }

    private static String hardware() {
        String arch = System.getProperty("os.arch");
        return "amd64".equals(arch) ? "x86_64" : arch;
    }
}
