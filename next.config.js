// @ts-check

/**
 * Security headers for everything Next serves. The capture listener and the live
 * stream in server.ts are not served by Next and set their own.
 * @type {import('next').NextConfig}
 */
const nextConfig = {
  poweredByHeader: false,
  // Static assets would be gzipped anew on every request, on the same two cores that
  // capture; a reverse proxy in front of a shared instance compresses better.
  compress: false,
  reactStrictMode: true,
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "no-referrer" },
          { key: "X-Frame-Options", value: "DENY" },
        ],
      },
    ];
  },
};

export default nextConfig;
