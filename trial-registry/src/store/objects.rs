//! [`FsObjectStore`]: objects as files under one directory, laid out like the
//! tlog-tiles URL space (`DIR/checkpoint`, `DIR/tile/0/x001/234`, …).
//!
//! A put writes a temporary file beside the target, fsyncs it, renames it
//! over the target and fsyncs the directory, so after a crash a path holds
//! either its old bytes or its new bytes, and once `put` returns it survives
//! a power loss. New directories are fsynced into their parents too.

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use super::{ObjectStore, StoreError};

/// Objects as files under a root directory.
#[derive(Debug)]
pub struct FsObjectStore {
    root: PathBuf,
    /// Directories known to exist durably (saves a `create_dir_all` and its
    /// fsyncs per put).
    known_dirs: Mutex<HashSet<PathBuf>>,
    /// Makes temporary file names unique within the process.
    counter: AtomicU64,
}

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> StoreError + 'a {
    move |source| StoreError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// Whether `path` is a relative path of non-empty segments made of
/// `[A-Za-z0-9._-]`, none of them `.` or `..` or hidden (temporary files
/// start with a dot).
fn is_safe_path(path: &str) -> bool {
    !path.is_empty()
        && path.split('/').all(|segment| {
            !segment.is_empty()
                && !segment.starts_with('.')
                && segment
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        })
}

fn fsync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io("fsync directory", dir))
}

impl FsObjectStore {
    /// Opens (creating if needed) the store rooted at `root`.
    pub fn open(root: &Path) -> Result<FsObjectStore, StoreError> {
        let store = FsObjectStore {
            root: root.to_path_buf(),
            known_dirs: Mutex::new(HashSet::new()),
            counter: AtomicU64::new(0),
        };
        store.ensure_dir(root)?;
        Ok(store)
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn resolve(&self, path: &str) -> Result<PathBuf, StoreError> {
        if !is_safe_path(path) {
            return Err(StoreError::BadPath(path.to_string()));
        }
        Ok(self.root.join(path))
    }

    fn is_known(&self, dir: &Path) -> bool {
        self.known_dirs
            .lock()
            .map(|known| known.contains(dir))
            .unwrap_or(false)
    }

    /// Creates `dir` and any missing parents, fsyncing each new directory's
    /// parent so the new entry is durable.
    fn ensure_dir(&self, dir: &Path) -> Result<(), StoreError> {
        if self.is_known(dir) {
            return Ok(());
        }
        let mut missing = Vec::new();
        let mut cursor = dir;
        while !cursor.is_dir() {
            missing.push(cursor.to_path_buf());
            match cursor.parent() {
                Some(parent) => cursor = parent,
                None => break,
            }
        }
        for new_dir in missing.iter().rev() {
            match fs::create_dir(new_dir) {
                Ok(()) => {}
                // Another thread created it in the meantime.
                Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
                Err(e) => return Err(io("create directory", new_dir)(e)),
            }
            if let Some(parent) = new_dir.parent() {
                fsync_dir(parent)?;
            }
        }
        if let Ok(mut known) = self.known_dirs.lock() {
            known.insert(dir.to_path_buf());
        }
        Ok(())
    }

    /// Writes `bytes` to a new temporary file beside `target` and fsyncs it;
    /// returns the temporary path.
    fn write_temp(&self, target: &Path, bytes: &[u8]) -> Result<PathBuf, StoreError> {
        let dir = target.parent().unwrap_or(&self.root);
        self.ensure_dir(dir)?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let temp = dir.join(format!(".{name}.tmp-{}-{n}", std::process::id()));
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .map_err(io("create", &temp))?;
        file.write_all(bytes).map_err(io("write", &temp))?;
        file.sync_all().map_err(io("fsync", &temp))?;
        Ok(temp)
    }
}

impl ObjectStore for FsObjectStore {
    fn put(&self, path: &str, bytes: &[u8]) -> Result<(), StoreError> {
        self.put_all(&[(path.to_string(), bytes.to_vec())])
    }

    /// Writes and fsyncs every temporary file, renames them into place, then
    /// fsyncs each directory once: one directory flush per directory rather
    /// than per object.
    fn put_all(&self, objects: &[(String, Vec<u8>)]) -> Result<(), StoreError> {
        let mut renames = Vec::with_capacity(objects.len());
        for (path, bytes) in objects {
            let target = self.resolve(path)?;
            let temp = self.write_temp(&target, bytes)?;
            renames.push((temp, target));
        }
        let mut dirs: Vec<PathBuf> = Vec::new();
        for (temp, target) in &renames {
            fs::rename(temp, target).map_err(io("rename into place", target))?;
            if let Some(dir) = target.parent()
                && !dirs.iter().any(|d| d == dir)
            {
                dirs.push(dir.to_path_buf());
            }
        }
        dirs.iter().try_for_each(|dir| fsync_dir(dir))
    }

    fn get(&self, path: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let full = self.resolve(path)?;
        match fs::read(&full) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io("read", &full)(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_get_replace() {
        let dir = tempfile::tempdir().unwrap();
        let store = FsObjectStore::open(&dir.path().join("log")).unwrap();
        assert_eq!(store.get("tile/0/000").unwrap(), None);
        store.put("tile/0/000.p/1", b"one").unwrap();
        store.put("checkpoint", b"a").unwrap();
        store.put("checkpoint", b"b").unwrap();
        assert_eq!(store.get("tile/0/000.p/1").unwrap().unwrap(), b"one");
        assert_eq!(store.get("checkpoint").unwrap().unwrap(), b"b");
        // The layout is the URL space, with no temporary files left behind.
        assert!(dir.path().join("log/tile/0/000.p/1").is_file());
        let leftovers: Vec<_> = fs::read_dir(dir.path().join("log"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|n| n.to_string_lossy().starts_with('.'))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[test]
    fn put_all_writes_everything() {
        let dir = tempfile::tempdir().unwrap();
        let store = FsObjectStore::open(dir.path()).unwrap();
        let objects: Vec<(String, Vec<u8>)> = (0..5)
            .map(|i| (format!("tile/entries/00{i}"), vec![i; 3]))
            .collect();
        store.put_all(&objects).unwrap();
        for (path, bytes) in &objects {
            assert_eq!(&store.get(path).unwrap().unwrap(), bytes);
        }
    }

    #[test]
    fn unsafe_paths_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = FsObjectStore::open(dir.path()).unwrap();
        for path in [
            "",
            "/etc/passwd",
            "../x",
            "tile/../../x",
            "a//b",
            ".hidden",
            "a b",
        ] {
            assert!(
                matches!(store.put(path, b"x"), Err(StoreError::BadPath(_))),
                "{path}"
            );
            assert!(
                matches!(store.get(path), Err(StoreError::BadPath(_))),
                "{path}"
            );
        }
    }
}
