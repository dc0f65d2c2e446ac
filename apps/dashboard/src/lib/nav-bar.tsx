import Link from 'next/link';
import { signOut } from '../app/sign-in/actions';
import { getSession } from './session.server';
import { ThemeToggle } from './theme-toggle';

const LINKS = [
  { href: '/', label: 'Activity' },
  { href: '/repositories', label: 'Repositories' },
  { href: '/downloads', label: 'Downloads' },
  { href: '/webhooks', label: 'Webhooks' },
  { href: '/mirrors', label: 'Mirrors' },
  { href: '/health', label: 'Health' },
];

export async function NavBar() {
  const session = await getSession().catch(() => undefined);
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
      {session?.authRequired &&
        (session.authenticated ? (
          <form action={signOut} className="who">
            <span data-testid="signed-in-as">
              {session.user} <span className="muted">({session.role})</span>
            </span>
            <button type="submit" className="secondary">
              Sign out
            </button>
          </form>
        ) : (
          <Link href="/sign-in">Sign in</Link>
        ))}
      <ThemeToggle />
    </header>
  );
}
