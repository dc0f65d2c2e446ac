import { ActivitySkeleton } from '../lib/activity-skeleton';

export default function Loading() {
  return <ActivitySkeleton />;
}
