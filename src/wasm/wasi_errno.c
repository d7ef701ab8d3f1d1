/* WASI: host (Linux) errno values to WASI preview1 errno values. */
#include <errno.h>

#include "wasi_int.h"

int wasi_errno(int e)
{
	switch (e) {
	case 0: return XWASI_ESUCCESS;
	case E2BIG: return XWASI_E2BIG;
	case EACCES: return XWASI_EACCES;
	case EADDRINUSE: return 3;
	case EADDRNOTAVAIL: return 4;
	case EAFNOSUPPORT: return 5;
	case EAGAIN: return XWASI_EAGAIN;
	case EALREADY: return 7;
	case EBADF: return XWASI_EBADF;
	case EBADMSG: return 9;
	case EBUSY: return 10;
	case ECANCELED: return 11;
	case ECHILD: return 12;
	case ECONNABORTED: return 13;
	case ECONNREFUSED: return 14;
	case ECONNRESET: return 15;
	case EDEADLK: return 16;
	case EDESTADDRREQ: return 17;
	case EDOM: return 18;
	case EDQUOT: return 19;
	case EEXIST: return XWASI_EEXIST;
	case EFAULT: return XWASI_EFAULT;
	case EFBIG: return 22;
	case EHOSTUNREACH: return 23;
	case EIDRM: return 24;
	case EILSEQ: return XWASI_EILSEQ;
	case EINPROGRESS: return 26;
	case EINTR: return XWASI_EINTR;
	case EINVAL: return XWASI_EINVAL;
	case EIO: return XWASI_EIO;
	case EISCONN: return 30;
	case EISDIR: return XWASI_EISDIR;
	case ELOOP: return XWASI_ELOOP;
	case EMFILE: return XWASI_EMFILE;
	case EMLINK: return 34;
	case EMSGSIZE: return 35;
	case EMULTIHOP: return 36;
	case ENAMETOOLONG: return XWASI_ENAMETOOLONG;
	case ENETDOWN: return 38;
	case ENETRESET: return 39;
	case ENETUNREACH: return 40;
	case ENFILE: return 41;
	case ENOBUFS: return 42;
	case ENODEV: return 43;
	case ENOENT: return XWASI_ENOENT;
	case ENOEXEC: return 45;
	case ENOLCK: return 46;
	case ENOLINK: return 47;
	case ENOMEM: return XWASI_ENOMEM;
	case ENOMSG: return 49;
	case ENOPROTOOPT: return 50;
	case ENOSPC: return 51;
	case ENOSYS: return XWASI_ENOSYS;
	case ENOTCONN: return 53;
	case ENOTDIR: return XWASI_ENOTDIR;
	case ENOTEMPTY: return 55;
	case ENOTRECOVERABLE: return 56;
	case ENOTSOCK: return XWASI_ENOTSOCK;
	case ENOTSUP: return XWASI_ENOTSUP; /* = EOPNOTSUPP on Linux */
	case ENOTTY: return 59;
	case ENXIO: return 60;
	case EOVERFLOW: return 61;
	case EOWNERDEAD: return 62;
	case EPERM: return XWASI_EPERM;
	case EPIPE: return XWASI_EPIPE;
	case EPROTO: return 65;
	case EPROTONOSUPPORT: return 66;
	case EPROTOTYPE: return 67;
	case ERANGE: return 68;
	case EROFS: return XWASI_EROFS;
	case ESPIPE: return XWASI_ESPIPE;
	case ESRCH: return 71;
	case ESTALE: return 72;
	case ETIMEDOUT: return 73;
	case ETXTBSY: return 74;
	case EXDEV: return XWASI_EXDEV;
	default: return XWASI_EIO;
	}
}
