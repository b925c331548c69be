export default function HomePage() {
  return <h1>Hookyard</h1>;
}
