using System.Runtime.InteropServices;
using System.Text;
using Mediator.Native;

namespace Mediator.Broker.Device;

/// <summary>
/// The Linux calls behind a TAP interface: open <c>/dev/net/tun</c>, TUNSETIFF with IFF_TAP | IFF_NO_PI
/// (whole Ethernet frames, no packet-information header), bring the link up with SIOCSIFFLAGS, and
/// non-blocking read/write of single frames. The interface is not persistent: it disappears when the
/// last descriptor attached to it is closed, wherever (in whichever network namespace) it is by then.
/// </summary>
internal static unsafe partial class TunTap
{
    /// <summary>IFNAMSIZ: interface names are at most 15 bytes plus the terminating NUL.</summary>
    public const int MaxNameLength = 15;

    public const string DevicePath = "/dev/net/tun";

    // <linux/if_tun.h>, <linux/sockios.h>, <linux/if.h>, <fcntl.h>: the same on x86-64 and arm64.
    private const nuint TUNSETIFF = 0x400454CA;     // _IOW('T', 202, int)
    private const nuint SIOCGIFFLAGS = 0x8913;
    private const nuint SIOCSIFFLAGS = 0x8914;
    private const nuint SIOCGIFHWADDR = 0x8927;
    private const short IFF_UP = 0x1;
    private const short IFF_TAP = 0x0002;
    private const short IFF_NO_PI = 0x1000;
    private const int O_RDWR = 0x2;
    private const int O_NONBLOCK = 0x800;
    private const int O_CLOEXEC = 0x80000;
    private const int AF_INET = 2;
    private const int SOCK_DGRAM = 2;
    private const int SOCK_CLOEXEC = 0x80000;
    private const int ENOENT = 2;
    private const int ENODEV = 19;
    private const int EBUSY = 16;
    private const int ENXIO = 6;

    /// <summary>struct ifreq: a 16-byte name and a 24-byte union (flags, or a sockaddr for the hardware address).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 40)]
    private struct IfReq
    {
        [FieldOffset(0)] public fixed byte Name[16];
        [FieldOffset(16)] public short Flags;
        [FieldOffset(16)] public ushort HwFamily; // sockaddr.sa_family
        [FieldOffset(18)] public fixed byte HwAddress[14]; // sockaddr.sa_data
    }

    /// <summary>Why <paramref name="name"/> cannot name an interface, or null when it can.</summary>
    public static string? CheckName(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "an interface name is required";
        }
        if (Encoding.UTF8.GetByteCount(name) > MaxNameLength)
        {
            return $"'{name}' is longer than {MaxNameLength} bytes (IFNAMSIZ)";
        }
        if (name is "." or ".." || name.Any(c => c == '/' || c == ':' || char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            return $"'{name}' is not a valid interface name (no '/', ':', spaces, '.' or '..')";
        }
        return null;
    }

    /// <summary>
    /// Creates a TAP interface named <paramref name="name"/> (not persistent: it goes with the returned
    /// descriptor), or attaches to an unused persistent one an administrator made for this user, brings
    /// it up, and returns the non-blocking descriptor and the name the kernel used.
    /// </summary>
    /// <exception cref="TapException">With the cause spelled out for an operator.</exception>
    public static FileDescriptor Open(string name, out string actualName)
    {
        if (CheckName(name) is { } bad)
        {
            throw new TapException(name, 0, bad);
        }
        int fd = open(DevicePath, O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
        {
            int e = Marshal.GetLastPInvokeError();
            throw new TapException(name, e, e switch
            {
                ENOENT => $"{DevicePath} does not exist: load the tun module (modprobe tun) or give the container the device",
                ENODEV or ENXIO => $"{DevicePath} exists but the tun driver is missing: load the tun module (modprobe tun)",
                Errno.EACCES or Errno.EPERM => $"no permission to open {DevicePath}: run the broker as root or with CAP_NET_ADMIN",
                _ => $"open {DevicePath} failed: {Marshal.GetPInvokeErrorMessage(e)} (errno {e})",
            });
        }
        var handle = new FileDescriptor(fd);
        try
        {
            IfReq req = default;
            WriteName(ref req, name);
            req.Flags = IFF_TAP | IFF_NO_PI;
            if (ioctl(fd, TUNSETIFF, &req) < 0)
            {
                int e = Marshal.GetLastPInvokeError();
                throw new TapException(name, e, e switch
                {
                    Errno.EPERM or Errno.EACCES => "creating a TAP interface needs CAP_NET_ADMIN: run the broker as root or grant it the capability (AmbientCapabilities=CAP_NET_ADMIN)",
                    EBUSY => "an interface of that name exists and is in use (another broker?); choose another Broker:TapInterface",
                    Errno.EINVAL => "an interface of that name exists and is not a TAP interface, or the name is invalid; choose another Broker:TapInterface",
                    _ => $"TUNSETIFF failed: {Marshal.GetPInvokeErrorMessage(e)} (errno {e})",
                });
            }
            actualName = ReadName(ref req);
            // Not made persistent: an interface created here goes when the descriptor closes. One an
            // administrator created beforehand (ip tuntap add ... user mediator) stays theirs.
            SetUp(actualName);
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Sets IFF_UP on <paramref name="name"/> in the caller's network namespace.</summary>
    public static void SetUp(string name)
    {
        int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (sock < 0)
        {
            int e = Marshal.GetLastPInvokeError();
            throw new TapException(name, e, $"socket(AF_INET) for interface configuration failed: {Marshal.GetPInvokeErrorMessage(e)}");
        }
        using var s = new FileDescriptor(sock);
        IfReq req = default;
        WriteName(ref req, name);
        if (ioctl(sock, SIOCGIFFLAGS, &req) < 0)
        {
            int e = Marshal.GetLastPInvokeError();
            throw new TapException(name, e, $"SIOCGIFFLAGS failed: {Marshal.GetPInvokeErrorMessage(e)} (errno {e})");
        }
        if ((req.Flags & IFF_UP) != 0)
        {
            return; // already up (e.g. set up by an administrator for an unprivileged broker)
        }
        req.Flags |= IFF_UP;
        if (ioctl(sock, SIOCSIFFLAGS, &req) < 0)
        {
            int e = Marshal.GetLastPInvokeError();
            throw new TapException(name, e, $"bringing the interface up (SIOCSIFFLAGS) failed: {Marshal.GetPInvokeErrorMessage(e)} (errno {e})");
        }
    }

    /// <summary>The interface's own MAC (the Linux side of the wire), or null if it cannot be read.</summary>
    public static byte[]? HardwareAddress(FileDescriptor tap)
    {
        IfReq req = default;
        if (ioctl(tap.Fd, SIOCGIFHWADDR, &req) < 0)
        {
            return null;
        }
        return new ReadOnlySpan<byte>(req.HwAddress, 6).ToArray();
    }

    /// <summary>Reads one frame; bytes read, 0 when none is waiting, or -errno.</summary>
    public static int Read(FileDescriptor tap, byte* buffer, int capacity)
    {
        nint n = read(tap.Fd, buffer, (nuint)capacity);
        if (n >= 0)
        {
            return (int)n;
        }
        int e = Marshal.GetLastPInvokeError();
        return e == Errno.EAGAIN ? 0 : -e;
    }

    /// <summary>Writes one frame; 0 on success, or the errno.</summary>
    public static int Write(FileDescriptor tap, byte* frame, int length)
    {
        nint n = write(tap.Fd, frame, (nuint)length);
        return n >= 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    private static void WriteName(ref IfReq req, string name)
    {
        fixed (byte* p = req.Name)
        {
            int n = Encoding.UTF8.GetBytes(name, new Span<byte>(p, MaxNameLength));
            p[n] = 0;
        }
    }

    private static string ReadName(ref IfReq req)
    {
        fixed (byte* p = req.Name)
        {
            var span = new ReadOnlySpan<byte>(p, 16);
            int end = span.IndexOf((byte)0);
            return Encoding.UTF8.GetString(end < 0 ? span : span[..end]);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int ioctl(int fd, nuint request, void* argument);

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint read(int fd, void* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint write(int fd, void* buffer, nuint count);
}
