//! 9P2000.L protocol constants: message type codes and the bit values carried inside messages.
//!
//! Values follow Linux `include/net/9p/9p.h`, which is what the kernel's v9fs client sends; the
//! wire format has no other authority for the `.L` dialect.

// Message type codes. An R-message is always its T-message plus one.

/// `Rlerror`: the error reply of 9P2000.L (there is no `Tlerror` in use).
pub const RLERROR: u8 = 7;
/// `Tstatfs`: file system statistics.
pub const TSTATFS: u8 = 8;
/// `Rstatfs`.
pub const RSTATFS: u8 = 9;
/// `Tlopen`: open a fid with Linux open flags.
pub const TLOPEN: u8 = 12;
/// `Rlopen`.
pub const RLOPEN: u8 = 13;
/// `Tlcreate`: create and open a regular file.
pub const TLCREATE: u8 = 14;
/// `Rlcreate`.
pub const RLCREATE: u8 = 15;
/// `Tsymlink`: create a symbolic link.
pub const TSYMLINK: u8 = 16;
/// `Rsymlink`.
pub const RSYMLINK: u8 = 17;
/// `Tmknod`: create a device node, FIFO or socket.
pub const TMKNOD: u8 = 18;
/// `Rmknod`.
pub const RMKNOD: u8 = 19;
/// `Trename`: rename a fid into a directory.
pub const TRENAME: u8 = 20;
/// `Rrename`.
pub const RRENAME: u8 = 21;
/// `Treadlink`: read a symbolic link's target.
pub const TREADLINK: u8 = 22;
/// `Rreadlink`.
pub const RREADLINK: u8 = 23;
/// `Tgetattr`: stat.
pub const TGETATTR: u8 = 24;
/// `Rgetattr`.
pub const RGETATTR: u8 = 25;
/// `Tsetattr`: chmod, chown, truncate, utimes.
pub const TSETATTR: u8 = 26;
/// `Rsetattr`.
pub const RSETATTR: u8 = 27;
/// `Txattrwalk`: open an extended attribute (or the attribute list) for reading.
pub const TXATTRWALK: u8 = 30;
/// `Rxattrwalk`.
pub const RXATTRWALK: u8 = 31;
/// `Txattrcreate`: turn a fid into an extended attribute to be written.
pub const TXATTRCREATE: u8 = 32;
/// `Rxattrcreate`.
pub const RXATTRCREATE: u8 = 33;
/// `Treaddir`: read directory entries.
pub const TREADDIR: u8 = 40;
/// `Rreaddir`.
pub const RREADDIR: u8 = 41;
/// `Tfsync`: flush a file to stable storage.
pub const TFSYNC: u8 = 50;
/// `Rfsync`.
pub const RFSYNC: u8 = 51;
/// `Tlock`: acquire or release a POSIX record lock.
pub const TLOCK: u8 = 52;
/// `Rlock`.
pub const RLOCK: u8 = 53;
/// `Tgetlock`: test for a conflicting POSIX record lock.
pub const TGETLOCK: u8 = 54;
/// `Rgetlock`.
pub const RGETLOCK: u8 = 55;
/// `Tlink`: create a hard link.
pub const TLINK: u8 = 70;
/// `Rlink`.
pub const RLINK: u8 = 71;
/// `Tmkdir`: create a directory.
pub const TMKDIR: u8 = 72;
/// `Rmkdir`.
pub const RMKDIR: u8 = 73;
/// `Trenameat`: rename by directory fid and name.
pub const TRENAMEAT: u8 = 74;
/// `Rrenameat`.
pub const RRENAMEAT: u8 = 75;
/// `Tunlinkat`: remove by directory fid and name.
pub const TUNLINKAT: u8 = 76;
/// `Runlinkat`.
pub const RUNLINKAT: u8 = 77;
/// `Tversion`: negotiate protocol version and msize.
pub const TVERSION: u8 = 100;
/// `Rversion`.
pub const RVERSION: u8 = 101;
/// `Tauth`: start authentication.
pub const TAUTH: u8 = 102;
/// `Rauth`.
pub const RAUTH: u8 = 103;
/// `Tattach`: attach a fid to the root of a tree.
pub const TATTACH: u8 = 104;
/// `Rattach`.
pub const RATTACH: u8 = 105;
/// `Tflush`: abort an outstanding request.
pub const TFLUSH: u8 = 108;
/// `Rflush`.
pub const RFLUSH: u8 = 109;
/// `Twalk`: walk path components from a fid to a new fid.
pub const TWALK: u8 = 110;
/// `Rwalk`.
pub const RWALK: u8 = 111;
/// `Tread`: read file data.
pub const TREAD: u8 = 116;
/// `Rread`.
pub const RREAD: u8 = 117;
/// `Twrite`: write file data.
pub const TWRITE: u8 = 118;
/// `Rwrite`.
pub const RWRITE: u8 = 119;
/// `Tclunk`: forget a fid.
pub const TCLUNK: u8 = 120;
/// `Rclunk`.
pub const RCLUNK: u8 = 121;
/// `Tremove`: remove the file behind a fid and clunk it.
pub const TREMOVE: u8 = 122;
/// `Rremove`.
pub const RREMOVE: u8 = 123;

// Qid types (the high byte of the Plan 9 mode, kept in `Qid::ty`).

/// Qid type of a directory.
pub const P9_QTDIR: u8 = 0x80;
/// Qid type of an append-only file.
pub const P9_QTAPPEND: u8 = 0x40;
/// Qid type of an exclusive-use file.
pub const P9_QTEXCL: u8 = 0x20;
/// Qid type of a mount point.
pub const P9_QTMOUNT: u8 = 0x10;
/// Qid type of an authentication file.
pub const P9_QTAUTH: u8 = 0x08;
/// Qid type of a temporary (not backed up) file.
pub const P9_QTTMP: u8 = 0x04;
/// Qid type of a symbolic link.
pub const P9_QTSYMLINK: u8 = 0x02;
/// Qid type of a hard link.
pub const P9_QTLINK: u8 = 0x01;
/// Qid type of a plain file.
pub const P9_QTFILE: u8 = 0x00;

// Tgetattr request_mask / Rgetattr valid bits.

/// Getattr: `mode` is requested / valid.
pub const P9_GETATTR_MODE: u64 = 0x0000_0001;
/// Getattr: `nlink`.
pub const P9_GETATTR_NLINK: u64 = 0x0000_0002;
/// Getattr: `uid`.
pub const P9_GETATTR_UID: u64 = 0x0000_0004;
/// Getattr: `gid`.
pub const P9_GETATTR_GID: u64 = 0x0000_0008;
/// Getattr: `rdev`.
pub const P9_GETATTR_RDEV: u64 = 0x0000_0010;
/// Getattr: `atime_sec`/`atime_nsec`.
pub const P9_GETATTR_ATIME: u64 = 0x0000_0020;
/// Getattr: `mtime_sec`/`mtime_nsec`.
pub const P9_GETATTR_MTIME: u64 = 0x0000_0040;
/// Getattr: `ctime_sec`/`ctime_nsec`.
pub const P9_GETATTR_CTIME: u64 = 0x0000_0080;
/// Getattr: `qid.path` (the inode number).
pub const P9_GETATTR_INO: u64 = 0x0000_0100;
/// Getattr: `size`.
pub const P9_GETATTR_SIZE: u64 = 0x0000_0200;
/// Getattr: `blocks`.
pub const P9_GETATTR_BLOCKS: u64 = 0x0000_0400;
/// Getattr: `btime_sec`/`btime_nsec` (birth time).
pub const P9_GETATTR_BTIME: u64 = 0x0000_0800;
/// Getattr: `gen`.
pub const P9_GETATTR_GEN: u64 = 0x0000_1000;
/// Getattr: `data_version`.
pub const P9_GETATTR_DATA_VERSION: u64 = 0x0000_2000;
/// Getattr: everything `stat(2)` returns (mode through blocks).
pub const P9_GETATTR_BASIC: u64 = 0x0000_07ff;
/// Getattr: every field.
pub const P9_GETATTR_ALL: u64 = 0x0000_3fff;

// Tsetattr valid bits.

/// Setattr: change `mode`.
pub const P9_SETATTR_MODE: u32 = 0x0000_0001;
/// Setattr: change `uid`.
pub const P9_SETATTR_UID: u32 = 0x0000_0002;
/// Setattr: change `gid`.
pub const P9_SETATTR_GID: u32 = 0x0000_0004;
/// Setattr: truncate or extend to `size`.
pub const P9_SETATTR_SIZE: u32 = 0x0000_0008;
/// Setattr: set atime (to now, unless `P9_SETATTR_ATIME_SET`).
pub const P9_SETATTR_ATIME: u32 = 0x0000_0010;
/// Setattr: set mtime (to now, unless `P9_SETATTR_MTIME_SET`).
pub const P9_SETATTR_MTIME: u32 = 0x0000_0020;
/// Setattr: set ctime to now.
pub const P9_SETATTR_CTIME: u32 = 0x0000_0040;
/// Setattr: atime comes from `atime_sec`/`atime_nsec` rather than the clock.
pub const P9_SETATTR_ATIME_SET: u32 = 0x0000_0080;
/// Setattr: mtime comes from `mtime_sec`/`mtime_nsec` rather than the clock.
pub const P9_SETATTR_MTIME_SET: u32 = 0x0000_0100;

// Tlopen / Tlcreate flags. The kernel translates the caller's O_* flags into these fixed values
// (`p9_dotl_open_flags`) so that servers on other architectures read the same bits; they equal
// x86 Linux's O_* values, which is why they are spelled out here instead of taken from libc.

/// Open for reading only (the access mode is the low two bits).
pub const P9_DOTL_RDONLY: u32 = 0o0;
/// Open for writing only.
pub const P9_DOTL_WRONLY: u32 = 0o1;
/// Open for reading and writing.
pub const P9_DOTL_RDWR: u32 = 0o2;
/// Mask of the access-mode bits.
pub const P9_DOTL_ACCMODE: u32 = 0o3;
/// Create the file if it does not exist.
pub const P9_DOTL_CREATE: u32 = 0o100;
/// With `CREATE`: fail if the file exists.
pub const P9_DOTL_EXCL: u32 = 0o200;
/// Do not make the file the controlling terminal.
pub const P9_DOTL_NOCTTY: u32 = 0o400;
/// Truncate to zero length.
pub const P9_DOTL_TRUNC: u32 = 0o1000;
/// Every write appends.
pub const P9_DOTL_APPEND: u32 = 0o2000;
/// Non-blocking I/O.
pub const P9_DOTL_NONBLOCK: u32 = 0o4000;
/// Synchronous data writes.
pub const P9_DOTL_DSYNC: u32 = 0o10000;
/// Signal-driven I/O.
pub const P9_DOTL_FASYNC: u32 = 0o20000;
/// Bypass the page cache.
pub const P9_DOTL_DIRECT: u32 = 0o40000;
/// Allow files over 2 GiB on 32-bit clients.
pub const P9_DOTL_LARGEFILE: u32 = 0o100000;
/// Fail unless the fid is a directory.
pub const P9_DOTL_DIRECTORY: u32 = 0o200000;
/// Do not follow a trailing symbolic link.
pub const P9_DOTL_NOFOLLOW: u32 = 0o400000;
/// Do not update atime.
pub const P9_DOTL_NOATIME: u32 = 0o1000000;
/// Close on exec.
pub const P9_DOTL_CLOEXEC: u32 = 0o2000000;
/// Synchronous data and metadata writes.
pub const P9_DOTL_SYNC: u32 = 0o4000000;

/// `Tunlinkat` flag: remove a directory (like `AT_REMOVEDIR`).
pub const P9_DOTL_AT_REMOVEDIR: u32 = 0x200;

// Locks.

/// Lock type: shared (read) lock.
pub const P9_LOCK_TYPE_RDLCK: u8 = 0;
/// Lock type: exclusive (write) lock.
pub const P9_LOCK_TYPE_WRLCK: u8 = 1;
/// Lock type: unlock; in `Rgetlock`, no conflicting lock exists.
pub const P9_LOCK_TYPE_UNLCK: u8 = 2;
/// `Tlock` flag: the client would block (`F_SETLKW`).
pub const P9_LOCK_FLAGS_BLOCK: u32 = 1;
/// `Tlock` flag: reclaiming a lock after server restart.
pub const P9_LOCK_FLAGS_RECLAIM: u32 = 2;
/// `Rlock` status: the lock was granted (or released).
pub const P9_LOCK_SUCCESS: u8 = 0;
/// `Rlock` status: a conflicting lock is held; the client retries.
pub const P9_LOCK_BLOCKED: u8 = 1;
/// `Rlock` status: the lock failed.
pub const P9_LOCK_ERROR: u8 = 2;
/// `Rlock` status: the server is in its grace period.
pub const P9_LOCK_GRACE: u8 = 3;
