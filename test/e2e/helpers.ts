/** What the end-to-end tests share besides the workbench harness (./harness): waiting for conditions, not for time. */
import type { Locator } from 'playwright-core';

/** Resolves once `check` holds (a condition on this side: the fake's calls, a file), polled every `intervalMs`; rejects naming `what`. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Resolves once the notification toast holding `toast` has finished sliding in (its CSS
 * transitions done), so that a screenshot shows it where it stays.
 */
export async function toastShown(toast: Locator): Promise<void> {
  await toast.evaluate(async (element) => {
    const container = element.closest('.notification-toast') ?? element;
    await Promise.all(container.getAnimations({ subtree: true }).map((a: { finished: Promise<unknown> }) => a.finished.catch(() => undefined)));
  });
}
