/** The dashboard's Next.js config. tsconfig.json builds the role module (tsc -b); Next reads its own. */
const nextConfig = {
  typescript: { tsconfigPath: 'tsconfig.next.json' },
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
