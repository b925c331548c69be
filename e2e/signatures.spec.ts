import Stripe from "stripe";
import { expect, test, untilHydrated } from "./fixtures";

const stripe = new Stripe("sk_test_unused");
const secret = "whsec_playwright_secret_0123456789";

test("set Stripe with a secret, see a signed event valid, change the secret, see it invalid with its reason", async ({ page, bin, send }) => {
  const payload = JSON.stringify({ id: "evt_pw", type: "checkout.session.completed" });
  await send({
    path: "/stripe",
    headers: { "Content-Type": "application/json", "Stripe-Signature": stripe.webhooks.generateTestHeaderString({ payload, secret }) },
    body: payload,
  });
  await page.goto(`/bins/${bin.id}`);
  await untilHydrated(page);

  // The capture carries Stripe's header, so the detail offers to check it.
  await page.getByRole("button", { name: "Check its signatures" }).click();
  const settings = page.getByRole("form", { name: "Signature check settings" });
  await expect(settings.getByLabel("Provider")).toHaveValue("stripe");
  await settings.getByLabel(/Signing secret/).fill(secret);
  await settings.getByRole("button", { name: "Save and re-check" }).click();

  await expect(page.getByTestId("signature-summary")).toHaveText("Stripe, secret whsec_…6789");
  await expect(page.getByTestId("signature-badge")).toHaveAttribute("data-status", "valid");
  await expect(page.getByTestId("signature-verdict")).toHaveText("Valid Stripe signature");
  // The secret itself never comes back to the page.
  expect(await page.content()).not.toContain(secret.slice(6));

  await page.getByRole("button", { name: "Change" }).click();
  await page
    .getByRole("form", { name: "Signature check settings" })
    .getByLabel(/Signing secret/)
    .fill("whsec_a_rotated_secret_999999");
  await page.getByRole("button", { name: "Save and re-check" }).click();
  await expect(page.getByTestId("signature-badge")).toHaveAttribute("data-status", "invalid");
  await expect(page.getByTestId("signature-verdict")).toHaveText("Invalid Stripe signature: no secret matches: body or secret differs");

  // A one-off check with the right secret says valid without saving it.
  await page.getByRole("button", { name: "Check with another secret…" }).click();
  const once = page.getByRole("form", { name: "Check with a secret" });
  await once.getByLabel(/Signing secret/).fill(secret);
  await once.getByRole("button", { name: "Check once" }).click();
  await expect(page.getByTestId("signature-trial")).toHaveText("With that secret: Valid Stripe signature");
  await expect(page.getByTestId("signature-badge")).toHaveAttribute("data-status", "invalid");
});
