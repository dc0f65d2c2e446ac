import type { Metadata, Viewport } from 'next';
import type { ReactNode } from 'react';
import { NavBar } from '../lib/nav-bar';
import './globals.css';

export const metadata: Metadata = { title: { default: 'Wharf', template: '%s · Wharf' }, description: 'What your registry did, holds, serves and triggers.' };
export const viewport: Viewport = { width: 'device-width', initialScale: 1 };

// The saved theme is applied before the first paint, so a dark-mode user never sees a light flash.
const THEME_SCRIPT = `try{var t=localStorage.getItem('wharf-theme');if(t==='light'||t==='dark')document.documentElement.dataset.theme=t}catch(e){}`;

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en" suppressHydrationWarning>
      <head>
        <script dangerouslySetInnerHTML={{ __html: THEME_SCRIPT }} />
      </head>
      <body>
        <NavBar />
        <main className="page">{children}</main>
      </body>
    </html>
  );
}
