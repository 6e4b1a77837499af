//! Files replaced atomically: everything is written to a temporary file beside the target
//! (a unique name, so neither a second writer nor a target called `x.tmp` can collide with
//! it), synced, then renamed over the target. A failed write (a full disk, a crash) leaves
//! the old file as it was and removes the temporary one.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Counter that makes temporary names unique within this process.
static NEXT: AtomicU64 = AtomicU64::new(0);

/// A file being written; the target is replaced only by [`AtomicFile::commit`].
#[derive(Debug)]
pub struct AtomicFile {
    target: PathBuf,
    tmp: PathBuf,
    file: Option<File>,
}

/// The temporary name used for `target`: hidden, beside it, unique per process and call.
pub fn temp_path_for(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let tmp = format!(".{name}.{}-{n}.partial", std::process::id());
    target.with_file_name(tmp)
}

impl AtomicFile {
    /// Starts writing a replacement for `target` (its directory is created if missing).
    pub fn create(target: &Path) -> io::Result<AtomicFile> {
        if target.file_name().is_none() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the path names no file",
            ));
        }
        if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = temp_path_for(target);
        let file = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        Ok(AtomicFile {
            target: target.to_path_buf(),
            tmp,
            file: Some(file),
        })
    }

    /// The temporary file's path (for messages and tests).
    pub fn temp_path(&self) -> &Path {
        &self.tmp
    }

    /// Syncs the data and renames the temporary file over the target.
    pub fn commit(mut self) -> io::Result<()> {
        let Some(file) = self.file.take() else {
            return Err(io::Error::other("already committed"));
        };
        file.sync_all()?;
        drop(file);
        std::fs::rename(&self.tmp, &self.target)
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.file {
            Some(f) => f.write(buf),
            None => Err(io::Error::other("already committed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        // Not committed (an error on the way): the target keeps its old content.
        let _ = std::fs::remove_file(&self.tmp);
    }
}

/// Replaces `target` with `bytes` atomically.
pub fn write_atomic(target: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = AtomicFile::create(target)?;
    f.write_all(bytes)?;
    f.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("tinydisplay-atomic-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("a temp dir");
        d
    }

    #[test]
    fn a_target_named_tmp_is_still_replaced_atomically() {
        let d = dir("tmpname");
        let target = d.join("x.tmp");
        std::fs::write(&target, b"old").expect("write");
        let mut f = AtomicFile::create(&target).expect("create");
        assert_ne!(f.temp_path(), target.as_path());
        assert_eq!(
            f.temp_path().parent(),
            Some(d.as_path()),
            "beside the target"
        );
        f.write_all(b"new").expect("write");
        assert_eq!(
            std::fs::read(&target).expect("read"),
            b"old",
            "untouched until commit"
        );
        f.commit().expect("commit");
        assert_eq!(std::fs::read(&target).expect("read"), b"new");
        assert_eq!(
            std::fs::read_dir(&d).expect("dir").count(),
            1,
            "no temp file left"
        );
    }

    #[test]
    fn a_failed_write_keeps_the_old_file_and_leaves_no_temp() {
        let d = dir("fail");
        let target = d.join("out.png");
        std::fs::write(&target, b"old").expect("write");
        {
            let mut f = AtomicFile::create(&target).expect("create");
            f.write_all(b"half").expect("write");
            // Dropped without commit: what a full disk mid-write amounts to.
        }
        assert_eq!(std::fs::read(&target).expect("read"), b"old");
        assert_eq!(std::fs::read_dir(&d).expect("dir").count(), 1);
    }

    #[test]
    fn temp_names_are_unique() {
        let t = Path::new("/x/y.json");
        assert_ne!(temp_path_for(t), temp_path_for(t));
    }
}
