'use client';

import { useEffect, useState } from 'react';

type Theme = 'light' | 'dark';

/** Flips between light and dark; the choice is kept in localStorage (read again by the layout's script). */
export function ThemeToggle() {
  const [theme, setTheme] = useState<Theme | null>(null);

  useEffect(() => {
    const saved = document.documentElement.dataset.theme;
    setTheme(saved === 'light' || saved === 'dark' ? saved : matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
  }, []);

  const flip = () => {
    const next: Theme = theme === 'dark' ? 'light' : 'dark';
    document.documentElement.dataset.theme = next;
    try {
      localStorage.setItem('wharf-theme', next);
    } catch {
      // storage blocked: the theme still applies to this page
    }
    setTheme(next);
  };

  return (
    <button type="button" className="theme-toggle" onClick={flip} aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}>
      {theme === 'dark' ? '☀' : '☾'}
    </button>
  );
}
