import Link from 'next/link';
import { ThemeToggle } from './theme-toggle';

const LINKS = [
  { href: '/', label: 'Activity' },
  { href: '/repositories', label: 'Repositories' },
  { href: '/downloads', label: 'Downloads' },
  { href: '/webhooks', label: 'Webhooks' },
  { href: '/health', label: 'Health' },
];

export function NavBar() {
  return (
    <header className="nav">
      <Link href="/" className="brand">
        Wharf
      </Link>
      <nav aria-label="Sections">
        {LINKS.map((link) => (
          <Link key={link.href} href={link.href}>
            {link.label}
          </Link>
        ))}
      </nav>
      <ThemeToggle />
    </header>
  );
}
